"""The ``syncd.sandbox.fakes.CrmFake`` hooks of the Salesforce fake: seeding and inspection.

The sandbox world speaks in neutral names (``contacts``, ``firstname``, ``customer_id``); here
they become Salesforce's: ``Contact``, ``FirstName``, and a custom field ``customer_id__c``.
Teams become public groups (``Group`` of type ``Regular`` with ``GroupMember`` rows).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from connectors.crm.salesforce.fake.collections import derived
from connectors.crm.salesforce.fake.org import Org
from connectors.crm.salesforce.fake.schema import FieldDef
from connectors.crm.salesforce.fields import (
    OBJECTS,
    RollupFieldNames,
    SalesforceFieldNames,
    history_fields,
    required_fields,
    rollup_fields,
)

_OBJECTS = {"contacts": "Contact", "tasks": "Task"}
_STANDARD = {
    "firstname": "FirstName",
    "lastname": "LastName",
    "email": "Email",
    "accountid": "AccountId",
}


def custom_name(name: str) -> str:
    """The API name of a neutral property name: ``customer_id`` -> ``customer_id__c``."""
    return name if name.endswith("__c") else f"{name}__c"


class Seeding:
    """Seeding and inspection, under the fake's lock."""

    _lock: threading.RLock
    _org: Org

    def set_up(self, fields: SalesforceFieldNames | None = None) -> None:
        """What ``syncd crm setup`` does to a fresh org; idempotent."""
        with self._lock:
            schema = self._org.schema
            for name, label, _ in OBJECTS:
                schema.define_object(name, label)
                self._org.ids.prefix_for(name)
            specs = [
                *required_fields(fields or SalesforceFieldNames()),
                *history_fields(),
                *rollup_fields(RollupFieldNames(), required=False),
            ]
            for spec in specs:
                if schema.field(spec.sobject, spec.name) is None:
                    schema.define(
                        spec.sobject,
                        FieldDef(
                            spec.name,
                            spec.describe_type,
                            length=int(spec.metadata().get("length") or 255),
                            custom=True,
                            external_id=spec.external_id,
                            unique=spec.unique,
                            label=spec.label,
                        ),
                    )
                    self._org.reindex_field(spec.sobject, spec.name)

    def define_property(self, object_type: str, name: str, *, unique: bool = False) -> None:
        """A custom text field; ``unique`` makes it a unique External ID."""
        with self._lock:
            sobject = _OBJECTS.get(object_type, object_type)
            field = FieldDef(custom_name(name), custom=True, external_id=unique, unique=unique)
            self._org.schema.define(sobject, field)
            self._org.reindex_field(sobject, field.name)

    def add_owner(
        self, email: str, first_name: str, last_name: str, teams: Sequence[str] = ()
    ) -> str:
        """An active standard user, a member of a public group per team; returns its id."""
        with self._lock:
            user = self._org.insert(
                "User",
                {
                    "Email": email,
                    "FirstName": first_name,
                    "LastName": last_name,
                    "Name": f"{first_name} {last_name}".strip(),
                    "IsActive": True,
                    "UserType": "Standard",
                },
            )
            for team in teams:
                group = next(
                    (g for g in self._org.of("Group") if g["Name"] == team), None
                ) or self._org.insert("Group", {"Name": team, "Type": "Regular"})
                self._org.insert(
                    "GroupMember", {"GroupId": group["Id"], "UserOrGroupId": user["Id"]}
                )
            return str(user["Id"])

    def add_contact(self, email: str | None, *, owner_id: str | None = None, **props: str) -> str:
        """A contact (LastName defaults to the email's local part, as Salesforce needs one)."""
        with self._lock:
            values: dict[str, Any] = {}
            for name, value in props.items():
                values[_STANDARD.get(name.lower()) or custom_name(name)] = value
            if email:
                values["Email"] = email
            values.setdefault("LastName", (email or "Unknown").split("@")[0])
            if owner_id is not None:
                values["OwnerId"] = owner_id
            for name in values:
                if self._org.schema.field("Contact", name) is None:
                    raise ValueError(f"Contact has no field {name!r}")
            return str(self._org.insert("Contact", values)["Id"])

    def add_account(self, name: str, *, owner_id: str | None = None) -> str:
        """An account (a company) that contacts may belong to; returns its id."""
        with self._lock:
            values = {"Name": name, **({"OwnerId": owner_id} if owner_id else {})}
            return str(self._org.insert("Account", values)["Id"])

    def account(self, account_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._org.get(account_id)
            return None if found is None else dict(found)

    def owners(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"id": u["Id"], **u} for u in self._org.of("User")]

    def tasks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "id": t["Id"],
                    "properties": dict(t),
                    "contact_ids": [t["WhoId"]] if t.get("WhoId") else [],
                }
                for t in self._org.of("Task")
            ]

    def contact(self, contact_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._org.get(contact_id)
            return None if found is None else dict(found)

    def _set_task(self, task_id: str, values: dict[str, Any]) -> None:
        with self._lock:
            task = self._org.get(task_id)
            if task is None:
                raise KeyError(task_id)
            self._org.change(task, derived("Task", values, task, self._org))

    def complete_task(self, task_id: str, **fields: str) -> None:
        """Complete the task, saving ``fields`` with it (an outcome, Comments in Description)."""
        self._set_task(task_id, {**fields, "Status": "Completed"})

    def start_task(self, task_id: str) -> None:
        self._set_task(task_id, {"Status": "In Progress"})

    def reopen_task(self, task_id: str) -> None:
        self._set_task(task_id, {"Status": "Not Started"})

    def reassign_task(self, task_id: str, owner_id: str) -> None:
        self._set_task(task_id, {"OwnerId": owner_id})
