"""The two ports of the core: where responses come from, and the CRM they go to.

Pipeline stages depend on these protocols only; connectors implement them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

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
    SourcePage,
    TaskChangePage,
    TaskSpec,
    TaskUpdate,
)

#: Per-item outcome of a batch call, keyed by the item's ``key``: the CRM id on success, or the
#: error that item got. Errors for the whole batch are raised instead.
BatchOutcome = Mapping[str, "str | SyncdError"]


class SurveySource(Protocol):
    """A survey tool that lists responses changed within a time window.

    Listing is at-least-once: a response may appear in several windows or twice in one. The poll
    stage dedupes; the source only has to be complete for ``[since, until]``.
    """

    name: str

    #: Longest window one ``fetch`` should cover; the poll stage slices longer spans.
    max_window: timedelta

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every response created or updated in ``[since, until]`` (both inclusive)."""
        ...

    def check(self) -> Sequence[CheckResult]:
        """Verify reachability and credentials with a cheap authenticated request; never raises."""
        ...

    def close(self) -> None:
        """Release connections; the source is not used afterwards."""
        ...


@runtime_checkable
class WebhookReceiver(Protocol):
    """A source that also takes pushed deliveries, on ``/webhooks/<source name>``.

    The intake verifies first and parses only what verified; what parses goes into the same
    inbox as polling, so a response seen both ways is processed once.
    """

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether ``body`` (raw bytes, as received) carries a valid signature or secret.

        ``headers`` keys are lower-case. Compare in constant time (``hmac.compare_digest``).
        """
        ...

    def parse_webhook(self, body: bytes) -> SourcePage:
        """The responses in one verified delivery; malformed items go to ``rejected``."""
        ...


@runtime_checkable
class DelayedSource(Protocol):
    """A source whose listing shows a response only some time after it was given.

    Polling never reads closer to "now" than ``visibility_lag``, whatever the configured
    ``lag_seconds`` says: a cursor moved past an answer the listing did not show yet would lose
    it for good.
    """

    visibility_lag: timedelta


class Crm(Protocol):
    """A CRM that holds contacts, owners and tasks.

    Batch methods take at most ``batch_limit`` items. They raise a ``Transient`` or ``Terminal``
    error when the whole call failed, and report per-item failures in their ``BatchOutcome``.
    """

    name: str
    batch_limit: int
    #: Whether contacts have a loop-closed field to write (a configured name): when False,
    #: track queues no marks and ``ContactUpdate.loop_closed_at`` is never written.
    writes_loop_closed: bool

    def find_contacts(self, field: ContactField, values: Sequence[str]) -> Mapping[str, Contact]:
        """Contacts whose ``field`` holds one of ``values``, keyed by that value.

        Emails match whatever their case and come back as keys lower-cased; other values match
        as given. Values no contact holds are absent.
        """
        ...

    def create_contacts(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        """Create a contact per email; returns the contact id per ``NewContact.key``.

        Idempotent on the email (compared without case): an email some contact already holds,
        by a retry or by someone else's hand, gives that contact's id and creates nothing.
        """
        ...

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        """Write NPS fields and the loop-closed time onto existing contacts (never creates one).

        An update without ``fields`` writes the loop-closed time alone. Two updates of one
        contact in a call are applied in order.
        """
        ...

    def add_notes(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        """Put each note on its contact's timeline; returns the note id per key.

        Idempotent on ``ResponseNote.key``, as ``create_tasks`` is on its key: a retry after an
        unknown outcome leaves one note per key.
        """
        ...

    def company_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """Per contact id, the owner id of the contact's primary company.

        Contacts with no primary company, or whose company has no owner, are absent. Asked once
        per batch of task creates, only when a routing rule names ``company_owner``.
        """
        ...

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        """Create tasks associated with their contact; returns the task id per key.

        Idempotent on ``TaskSpec.key``: however often a key is sent (a retry after a timeout,
        a create whose late write lands after the retry, a fresh store replaying history),
        the CRM ends with one task for it, and the id returned is that task's. Sending a key
        again may update the task's content and owner, never its status. Each connector keeps
        this promise its own way (an upsert on a unique or external-id field, or a marker looked
        up in batches); the core relies on it and simply retries an unknown outcome.
        """
        ...

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        """New content for tasks syncd created; returns the task id per key."""
        ...

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        """Tasks modified at or after ``since``, oldest first.

        ``closed`` names every task syncd holds as completed at or after ``since``: a connector
        that narrows its reads to save calls must still return their changes, so a task
        reopened soon after it was completed reopens its loop. None (the caller cannot name
        them all) means no narrowing: every change is returned.
        """
        ...

    def list_owners(self) -> Sequence[Owner]:
        """The users who can own tasks, with their teams: routing assigns by them."""
        ...

    def check(self) -> Sequence[CheckResult]:
        """Verify credentials, scopes and the configured fields against the CRM; never raises.

        Owners, teams and the fallback owner are checked by the core through ``list_owners``.
        """
        ...

    def setup(self, *, dry_run: bool = False) -> Sequence[SetupStep]:
        """Create, idempotently, the custom fields syncd writes; never raises a ``CrmError``.

        One step per field (and per grouping the CRM offers): what exists, what was created, what
        failed and why (a missing permission is named). ``dry_run`` creates nothing and reports
        what it would create, so startup can refuse to run while anything is missing.
        """
        ...

    def close(self) -> None:
        """Release connections; the CRM is not used afterwards."""
        ...
