"""An in-memory ``Crm`` that records every call, for the pipeline's own tests.

Outcomes can be scripted per action key (``outcomes``) or for a whole call (``fail_with``), so
the deliver stage's handling of each error disposition can be pinned without a vendor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syncd.contracts import BatchOutcome
from syncd.errors import CrmUnavailable, SyncdError
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


@dataclass
class StubContact:
    contact: Contact
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class StubCrm:
    """Contacts found by email or by any property; every call is kept for assertions."""

    contacts: list[StubContact] = field(default_factory=list)
    lookups: list[tuple[ContactField, tuple[str, ...]]] = field(default_factory=list)
    updates: list[ContactUpdate] = field(default_factory=list)
    #: Lookups by these properties fail as if the CRM were down.
    down_for: set[str] = field(default_factory=set)
    name: str = "stub"
    batch_limit: int = 100
    #: Contacts have a loop-closed field: track queues marks, contact syncs write its state.
    writes_loop_closed: bool = False
    created: list[TaskSpec] = field(default_factory=list)
    task_updates: list[TaskUpdate] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    #: Per action key: an error to answer with instead of success (kept until removed).
    outcomes: dict[str, SyncdError] = field(default_factory=dict)
    #: Per call name (``create_tasks``, ``update_contacts``...): the whole call raises this.
    fail_with: dict[str, SyncdError] = field(default_factory=dict)
    #: Task ids by action key: a create is idempotent on its key, as the port promises.
    task_ids: dict[str, str] = field(default_factory=dict)
    #: Per contact id: the owner of the contact's primary company.
    company_owner_of: dict[str, str] = field(default_factory=dict)
    company_lookups: list[tuple[str, ...]] = field(default_factory=list)
    contacts_created: list[NewContact] = field(default_factory=list)
    notes: dict[str, ResponseNote] = field(default_factory=dict)

    def add(
        self,
        contact_id: str,
        email: str | None = None,
        owner_id: str | None = None,
        **properties: str,
    ) -> str:
        self.contacts.append(StubContact(Contact(contact_id, email, owner_id), properties))
        return contact_id

    def _raise_if_failing(self, call: str) -> None:
        if call in self.fail_with:
            raise self.fail_with[call]

    def _outcome(self, key: str, success: str) -> str | SyncdError:
        return self.outcomes.get(key, success)

    def find_contacts(self, field: ContactField, values: Sequence[str]) -> Mapping[str, Contact]:
        self.lookups.append((field, tuple(values)))
        if field.property in self.down_for:
            raise CrmUnavailable(f"lookup by {field} failed")
        found: dict[str, Contact] = {}
        for stub in self.contacts:
            value = stub.contact.email if field.property is None else None
            value = stub.properties.get(field.property or "", value)
            if value is not None and value in values:
                found[value] = stub.contact
        return found

    def create_contacts(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        self._raise_if_failing("create_contacts")
        self.contacts_created.extend(contacts)
        outcomes: dict[str, str | SyncdError] = {}
        for new in contacts:
            existing = next((s for s in self.contacts if s.contact.email == new.email), None)
            contact_id = (
                existing.contact.id if existing else self.add(f"new-{new.email}", new.email)
            )
            outcomes[new.key] = self._outcome(new.key, contact_id)
        return outcomes

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        self._raise_if_failing("update_contacts")
        self.updates.extend(updates)
        return {update.key: self._outcome(update.key, update.contact_id) for update in updates}

    def add_notes(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        self._raise_if_failing("add_notes")
        outcomes: dict[str, str | SyncdError] = {}
        for note in notes:
            outcome = self._outcome(note.key, f"note-{note.key}")
            if isinstance(outcome, str):
                self.notes[note.key] = note  # one note per key, as the port promises
            outcomes[note.key] = outcome
        return outcomes

    def company_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        self._raise_if_failing("company_owners")
        self.company_lookups.append(tuple(contact_ids))
        return {c: self.company_owner_of[c] for c in contact_ids if c in self.company_owner_of}

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        self._raise_if_failing("create_tasks")
        self.created.extend(tasks)
        outcomes: dict[str, str | SyncdError] = {}
        for task in tasks:
            outcome = self._outcome(task.key, "")
            if isinstance(outcome, SyncdError):
                outcomes[task.key] = outcome
                continue
            task_id = self.task_ids.setdefault(task.key, f"task-{len(self.task_ids) + 1}")
            outcomes[task.key] = task_id
        return outcomes

    def find_tasks(self, contact_id: str, markers: Sequence[str]) -> Mapping[str, str]:
        raise NotImplementedError

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        self._raise_if_failing("update_tasks")
        self.task_updates.extend(updates)
        return {update.key: self._outcome(update.key, update.task_id) for update in updates}

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        raise NotImplementedError

    def list_owners(self) -> Sequence[Owner]:
        self._raise_if_failing("list_owners")
        return list(self.owners)

    def check(self) -> tuple[CheckResult, ...]:
        return ()

    def setup(self, *, dry_run: bool = False) -> tuple[SetupStep, ...]:
        return ()

    def close(self) -> None:
        pass
