"""Property definitions and property groups per object type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.crm.hubspot.fake.errors import Body

CONTACTS = "contacts"
TASKS = "tasks"
COMPANIES = "companies"
NOTES = "notes"
PROPERTY_TYPES = frozenset(
    {"bool", "date", "datetime", "enumeration", "number", "phone_number", "string"}
)
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """One property of an object type, as ``GET /crm/v3/properties/{objectType}`` lists it."""

    name: str
    type: str = "string"
    field_type: str = "text"
    group: str = "contactinformation"
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    read_only: bool = False
    owner: bool = False  # the value is an owner id (hubspot_owner_id)
    unique: bool = False  # hasUniqueValue: no two records share a value; usable as idProperty
    hubspot_defined: bool = True
    label: str = ""
    description: str = ""

    def to_json(self, created_at: str) -> Body:
        options = [
            {"label": label, "value": value, "displayOrder": i, "hidden": False}
            for i, (value, label) in enumerate(self.options)
        ]
        return {
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": options,
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": self.owner,
            "hasUniqueValue": self.unique,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "formField": not self.read_only,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "createdAt": created_at,
            "updatedAt": created_at,
            "archived": False,
        }


def _enum(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((value, value.replace("_", " ").capitalize()) for value in values)


def _datetime(name: str, group: str, *, read_only: bool = False) -> PropertyDef:
    return PropertyDef(name, "datetime", "date", group, read_only=read_only)


def _select(name: str, group: str, *values: str) -> PropertyDef:
    return PropertyDef(name, "enumeration", "select", group, _enum(*values))


def _owner(group: str) -> PropertyDef:
    return PropertyDef("hubspot_owner_id", "enumeration", "select", group, owner=True)


def _defaults() -> dict[str, list[PropertyDef]]:
    # HubSpot's own properties only: a portal has none of syncd's until ``syncd crm setup``.
    info, task = "contactinformation", "taskinformation"
    return {
        CONTACTS: [
            PropertyDef("email", unique=True),
            *(PropertyDef(name) for name in ("firstname", "lastname", "company")),
            _owner(info),
            _datetime("createdate", info, read_only=True),
            _datetime("lastmodifieddate", info, read_only=True),
            PropertyDef("hs_object_id", "number", "number", info, read_only=True),
        ],
        TASKS: [
            _datetime("hs_timestamp", task),
            PropertyDef("hs_task_subject", group=task),
            PropertyDef("hs_task_body", "string", "textarea", task),
            _owner(task),
            _select("hs_task_status", task, *TASK_STATUSES),
            _select("hs_task_priority", task, "LOW", "MEDIUM", "HIGH", "NONE"),
            _select("hs_task_type", task, "TODO", "CALL", "EMAIL"),
            _datetime("hs_task_completion_date", task),
            PropertyDef("hs_task_reminders", group=task),
            _datetime("hs_createdate", task, read_only=True),
            _datetime("hs_lastmodifieddate", task, read_only=True),
            PropertyDef("hs_object_id", "number", "number", task, read_only=True),
        ],
    }


def _group(name: str, label: str) -> Body:
    return {"name": name, "label": label, "displayOrder": -1, "archived": False}


class Schema:
    """The properties and property groups each object type has; custom ones can be added."""

    def __init__(self, created_at: str) -> None:
        self.created_at = created_at
        self._properties = {kind: {p.name: p for p in props} for kind, props in _defaults().items()}
        self._groups = {
            CONTACTS: {"contactinformation": _group("contactinformation", "Contact information")},
            TASKS: {"taskinformation": _group("taskinformation", "Task information")},
        }

    def find(self, object_type: str, name: str) -> PropertyDef | None:
        return self._properties[object_type].get(name)

    def unique(self, object_type: str) -> frozenset[str]:
        """Names of the properties whose values identify one record."""
        return frozenset(p.name for p in self._properties[object_type].values() if p.unique)

    def listing(self, object_type: str) -> list[PropertyDef]:
        return list(self._properties[object_type].values())

    def add_type(self, object_type: str, group: str, label: str) -> None:
        """A further object type, with no properties yet and its default group."""
        self._properties.setdefault(object_type, {})
        self._groups.setdefault(object_type, {group: _group(group, label)})

    def define(self, object_type: str, prop: PropertyDef) -> None:
        self._properties[object_type][prop.name] = prop

    def group(self, object_type: str, name: str) -> Body | None:
        return self._groups[object_type].get(name)

    def groups(self, object_type: str) -> list[Body]:
        return list(self._groups[object_type].values())

    def add_group(self, object_type: str, name: str, label: str, order: int) -> Body:
        self._groups[object_type][name] = _group(name, label) | {"displayOrder": order}
        return self._groups[object_type][name]


def option_pairs(raw: Iterable[Mapping[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(o.get("value", "")), str(o.get("label", o.get("value", "")))) for o in raw)
