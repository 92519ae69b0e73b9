"""An in-memory ``Crm`` that records its contact lookups, for the pipeline's own tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from syncd.contracts import BatchOutcome
from syncd.errors import CrmUnavailable
from syncd.model import (
    CheckResult,
    Contact,
    ContactField,
    ContactUpdate,
    Owner,
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

    def add(self, contact_id: str, email: str | None = None, **properties: str) -> str:
        self.contacts.append(StubContact(Contact(contact_id, email), properties))
        return contact_id

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

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        self.updates.extend(updates)
        return {update.key: update.contact_id for update in updates}

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        raise NotImplementedError

    def find_tasks(self, contact_id: str, markers: Sequence[str]) -> Mapping[str, str]:
        raise NotImplementedError

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        raise NotImplementedError

    def task_changes(self, since: datetime) -> Iterator[TaskChangePage]:
        raise NotImplementedError

    def list_owners(self) -> Sequence[Owner]:
        return []

    def check(self) -> tuple[CheckResult, ...]:
        return ()

    def close(self) -> None:
        pass
