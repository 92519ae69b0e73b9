"""A CRM seen through calls of at most its ``batch_limit`` items, whatever the batch size.

The deliver stage claims, decides and records ``[delivery] batch_size`` actions at a time: the
store's cost is per batch (a claim, a few set-based statements, one transaction), so a batch
bigger than one CRM call costs less per answer. Connectors keep their contract (at most
``batch_limit`` items a call); this wrapper splits a bigger batch into such calls, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from syncd.chunks import chunks
from syncd.contracts import BatchOutcome, Crm
from syncd.errors import SyncdError
from syncd.model import (
    CheckResult,
    Contact,
    ContactField,
    ContactUpdate,
    NewContact,
    Owner,
    ResponseNote,
    SetupStep,
    TaskChangePage,
    TaskSpec,
    TaskUpdate,
)

__all__ = ["ChunkedCrm", "chunked"]


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=_Keyed)


def chunked(crm: Crm, batch_size: int) -> Crm:
    """``crm`` itself when a batch fits one call, else a ``ChunkedCrm`` around it."""
    return crm if batch_size <= crm.batch_limit else ChunkedCrm(crm)


class ChunkedCrm:
    """``Crm`` whose batch methods take any number of items.

    A write sends its calls in order; when one call fails as a whole, its items and every
    later item get that error without being sent (a rate limit or an account-wide error
    would refuse them too), while the earlier calls' outcomes stand. A read that fails fails
    whole: nothing was written, and the caller retries it as one.
    """

    def __init__(self, crm: Crm) -> None:
        self._crm = crm
        self.name = crm.name
        self.batch_limit = crm.batch_limit
        self.writes_loop_closed = crm.writes_loop_closed

    def __repr__(self) -> str:
        return f"ChunkedCrm({self._crm!r})"

    def find_contacts(self, field: ContactField, values: Sequence[str]) -> Mapping[str, Contact]:
        """``Crm.find_contacts``, one call per ``batch_limit`` values."""
        found: dict[str, Contact] = {}
        for part in chunks(values, self.batch_limit):
            found.update(self._crm.find_contacts(field, part))
        return found

    def create_contacts(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        """``Crm.create_contacts`` in calls of ``batch_limit``."""
        return self._write(self._crm.create_contacts, contacts)

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        """``Crm.update_contacts`` in calls of ``batch_limit``, in order."""
        return self._write(self._crm.update_contacts, updates)

    def add_notes(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        """``Crm.add_notes`` in calls of ``batch_limit``."""
        return self._write(self._crm.add_notes, notes)

    def company_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """``Crm.company_owners``, one call per ``batch_limit`` contacts."""
        owners: dict[str, str] = {}
        for part in chunks(contact_ids, self.batch_limit):
            owners.update(self._crm.company_owners(part))
        return owners

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        """``Crm.create_tasks`` in calls of ``batch_limit``."""
        return self._write(self._crm.create_tasks, tasks)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        """``Crm.update_tasks`` in calls of ``batch_limit``."""
        return self._write(self._crm.update_tasks, updates)

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        """``Crm.task_changes`` unchanged: it pages on its own."""
        return self._crm.task_changes(since, closed=closed)

    def list_owners(self) -> Sequence[Owner]:
        """``Crm.list_owners`` unchanged."""
        return self._crm.list_owners()

    def check(self) -> Sequence[CheckResult]:
        """``Crm.check`` unchanged."""
        return self._crm.check()

    def setup(self, *, dry_run: bool = False) -> Sequence[SetupStep]:
        """``Crm.setup`` unchanged."""
        return self._crm.setup(dry_run=dry_run)

    def close(self) -> None:
        """``Crm.close`` unchanged."""
        self._crm.close()

    def _write(
        self, call: Callable[[Sequence[K]], BatchOutcome], items: Sequence[K]
    ) -> BatchOutcome:
        outcome: dict[str, str | SyncdError] = {}
        parts = list(chunks(items, self.batch_limit))
        for index, part in enumerate(parts):
            try:
                outcome.update(call(part))
            except SyncdError as error:
                outcome.update({item.key: error for rest in parts[index:] for item in rest})
                break
        return outcome
