"""Property definitions per object type, and the checks HubSpot applies to written values."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from syncd.sandbox.hubspot.errors import Body, PropertyProblem
from syncd.sandbox.hubspot.timefmt import iso, parse_instant

CONTACTS = "contacts"
TASKS = "tasks"
PROPERTY_TYPES = frozenset(
    {"bool", "date", "datetime", "enumeration", "number", "phone_number", "string"}
)
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


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
            "hasUniqueValue": self.name == "email",
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


def _datetime(name: str, group: str, *, read_only: bool = False, ours: bool = False) -> PropertyDef:
    return PropertyDef(
        name, "datetime", "date", group, read_only=read_only, hubspot_defined=not ours
    )


def _select(name: str, group: str, *values: str, ours: bool = False) -> PropertyDef:
    return PropertyDef(
        name, "enumeration", "select", group, _enum(*values), hubspot_defined=not ours
    )


def _owner(group: str) -> PropertyDef:
    return PropertyDef("hubspot_owner_id", "enumeration", "select", group, owner=True)


def _defaults() -> dict[str, list[PropertyDef]]:
    info, task = "contactinformation", "taskinformation"
    return {
        CONTACTS: [
            *(PropertyDef(name) for name in ("email", "firstname", "lastname", "company")),
            _owner(info),
            _datetime("createdate", info, read_only=True),
            _datetime("lastmodifieddate", info, read_only=True),
            PropertyDef("hs_object_id", "number", "number", info, read_only=True),
            PropertyDef("nps_score", "number", "number", info, hubspot_defined=False),
            _select("nps_category", info, "promoter", "passive", "detractor", ours=True),
            PropertyDef("nps_comment", "string", "textarea", info, hubspot_defined=False),
            _datetime("nps_last_response_at", info, ours=True),
            *(
                PropertyDef(f"nps_{name}", hubspot_defined=False)
                for name in ("response_link", "survey", "source")
            ),
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

    def listing(self, object_type: str) -> list[PropertyDef]:
        return list(self._properties[object_type].values())

    def define(self, object_type: str, prop: PropertyDef) -> None:
        self._properties[object_type][prop.name] = prop

    def group(self, object_type: str, name: str) -> Body | None:
        return self._groups[object_type].get(name)

    def groups(self, object_type: str) -> list[Body]:
        return list(self._groups[object_type].values())

    def add_group(self, object_type: str, name: str, label: str, order: int) -> Body:
        self._groups[object_type][name] = _group(name, label) | {"displayOrder": order}
        return self._groups[object_type][name]


def check_properties(
    schema: Schema, object_type: str, raw: Mapping[str, object], owner_ok: Callable[[str], bool]
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Normalise every value (datetimes to ISO) and collect every problem, not just the first."""
    clean: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    for name, value in raw.items():
        prop = schema.find(object_type, name)
        result = (
            _problem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
            if prop is None
            else check_value(prop, value, owner_ok)
        )
        if isinstance(result, PropertyProblem):
            problems.append(result)
        else:
            clean[name] = result
    return clean, problems


def check_value(
    prop: PropertyDef, value: object, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return _problem(
            prop.name, "INVALID_PROPERTY_VALUE", f"{prop.name} must be a string, got {kind}"
        )
    if prop.read_only:
        message = f'"{prop.name}" is a read only property; its value cannot be set.'
        return _problem(prop.name, "READ_ONLY_VALUE", message)
    if value == "":  # an empty string clears the value
        return value
    return _TYPE_CHECKS.get(prop.type, _check_string)(prop, value, owner_ok)


def _problem(name: str, code: str, message: str) -> PropertyProblem:
    return PropertyProblem(name, code, message)


def _check_string(
    prop: PropertyDef, value: str, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    return value


def _check_number(
    prop: PropertyDef, value: str, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    if _NUMBER.fullmatch(value.strip()):
        return value.strip()
    return _problem(prop.name, "INVALID_INTEGER", f"{value} was not a valid number.")


def _check_datetime(
    prop: PropertyDef, value: str, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    moment = parse_instant(value)
    if moment is not None:
        return iso(moment)
    return _problem(
        prop.name, "INVALID_DATE", f"{value} was not a valid date (epoch milliseconds or ISO-8601)."
    )


def _check_bool(
    prop: PropertyDef, value: str, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    if value.lower() in ("true", "false"):
        return value.lower()
    return _problem(prop.name, "INVALID_BOOLEAN", f"{value} was not a valid boolean.")


def _check_option(
    prop: PropertyDef, value: str, owner_ok: Callable[[str], bool]
) -> str | PropertyProblem:
    if prop.owner:
        return (
            value
            if owner_ok(value)
            else _problem(prop.name, "INVALID_OWNER_ID", f"{value} is not a valid owner id")
        )
    allowed = [option for option, _ in prop.options]
    if value in allowed:
        return value
    message = f"{value} was not one of the allowed options: [{', '.join(allowed)}]"
    return _problem(prop.name, "INVALID_OPTION", message)


_TYPE_CHECKS: dict[
    str, Callable[[PropertyDef, str, Callable[[str], bool]], str | PropertyProblem]
] = {
    "number": _check_number,
    "datetime": _check_datetime,
    "date": _check_datetime,
    "bool": _check_bool,
    "enumeration": _check_option,
}


def option_pairs(raw: Iterable[Mapping[str, object]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(o.get("value", "")), str(o.get("label", o.get("value", "")))) for o in raw)
