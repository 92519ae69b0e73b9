"""The objects and fields of the fake org, and their describe results.

A fresh org has only the standard fields (Salesforce object reference: Contact, Task, User,
Group, GroupMember); syncd's custom fields appear once ``syncd crm setup`` or an admin creates
them, as on a real org. Describe lists the fields that exist, which is how setup and startup
checks find out what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field: its SOAP type and the properties describe reports."""

    name: str
    type: str = "string"
    length: int = 255
    createable: bool = True
    updateable: bool = True
    custom: bool = False
    external_id: bool = False
    unique: bool = False
    label: str = ""

    def describe(self) -> dict[str, Any]:
        """The field as ``/sobjects/{type}/describe`` lists it."""
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "length": self.length if self.type in ("string", "textarea", "email", "url") else 0,
            "custom": self.custom,
            "externalId": self.external_id,
            "unique": self.unique,
            "idLookup": self.external_id or self.name in ("Id", "Email"),
            "createable": self.createable,
            "updateable": self.updateable,
            "nillable": self.name not in ("Id", "LastName", "Subject"),
        }


def _ro(name: str, kind: str) -> FieldDef:
    return FieldDef(name, kind, createable=False, updateable=False)


_AUDIT = (
    _ro("Id", "id"),
    _ro("CreatedDate", "datetime"),
    _ro("LastModifiedDate", "datetime"),
    _ro("SystemModstamp", "datetime"),
    _ro("IsDeleted", "boolean"),
)
STANDARD: dict[str, tuple[FieldDef, ...]] = {
    "Contact": (
        *_AUDIT,
        FieldDef("FirstName", length=40),
        FieldDef("LastName", length=80),
        FieldDef("Email", "email", length=80),
        FieldDef("OwnerId", "reference", length=18),
        FieldDef("AccountId", "reference", length=18),
    ),
    "Task": (
        *_AUDIT,
        FieldDef("WhoId", "reference", length=18),
        FieldDef("WhatId", "reference", length=18),
        FieldDef("OwnerId", "reference", length=18),
        FieldDef("Subject", "combobox", length=255),
        FieldDef("Description", "textarea", length=32000),
        FieldDef("ActivityDate", "date"),
        FieldDef("Priority", "picklist", length=40),
        FieldDef("Status", "picklist", length=40),
        _ro("IsClosed", "boolean"),
        _ro("CompletedDateTime", "datetime"),
        _ro("AccountId", "reference"),
    ),
    "Account": (*_AUDIT, FieldDef("Name"), FieldDef("OwnerId", "reference", length=18)),
    "User": (
        *_AUDIT,
        FieldDef("Email", "email", length=128),
        FieldDef("FirstName", length=40),
        FieldDef("LastName", length=80),
        _ro("Name", "string"),
        FieldDef("IsActive", "boolean"),
        FieldDef("UserType", "picklist"),
    ),
    "Group": (*_AUDIT, FieldDef("Name", length=40), FieldDef("Type", "picklist")),
    "GroupMember": (
        *_AUDIT,
        FieldDef("GroupId", "reference", length=18),
        FieldDef("UserOrGroupId", "reference", length=18),
    ),
}


@dataclass
class Schema:
    """Every object's fields, standard and custom, by object name."""

    fields: dict[str, dict[str, FieldDef]] = field(default_factory=dict)

    @classmethod
    def fresh(cls) -> Schema:
        """An org as Salesforce ships it: no custom fields, no custom objects."""
        return cls({name: {f.name: f for f in defs} for name, defs in STANDARD.items()})

    def has_object(self, sobject: str) -> bool:
        """Whether ``sobject`` exists (names compare without case, as in Salesforce)."""
        return self.canonical(sobject) is not None

    def canonical(self, sobject: str) -> str | None:
        """The object's name as defined, for any case of it."""
        return next((name for name in self.fields if name.lower() == sobject.lower()), None)

    def field(self, sobject: str, name: str) -> FieldDef | None:
        """The field ``name`` of ``sobject``, compared without case."""
        fields = self.fields.get(sobject, {})
        return next((f for key, f in fields.items() if key.lower() == name.lower()), None)

    def define(self, sobject: str, definition: FieldDef) -> None:
        """Add (or replace) a field."""
        self.fields.setdefault(sobject, {})[definition.name] = definition

    def drop(self, sobject: str, name: str) -> None:
        """Delete a field, as an admin can."""
        found = self.field(sobject, name)
        if found is not None:
            del self.fields[sobject][found.name]

    def define_object(self, sobject: str, label: str) -> None:
        """A custom object with its standard fields (Id, Name, audit fields)."""
        self.fields.setdefault(
            sobject, {f.name: f for f in (*_AUDIT, FieldDef("Name", label=label))}
        )

    def indexed(self, sobject: str) -> tuple[str, ...]:
        """Fields the fake indexes for lookups: Email, external ids and unique fields."""
        names = self.fields.get(sobject, {})
        return tuple(n for n, f in names.items() if n == "Email" or f.external_id or f.unique)

    def describe(self, sobject: str) -> dict[str, Any]:
        """The ``/sobjects/{type}/describe`` result (the parts clients read)."""
        return {
            "name": sobject,
            "custom": sobject.endswith("__c"),
            "createable": True,
            "updateable": True,
            "queryable": True,
            "fields": [f.describe() for f in self.fields[sobject].values()],
        }
