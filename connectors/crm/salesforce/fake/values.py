"""Record-level validation of written values, with the status codes Salesforce gives them.

SOAP types decide the coercion (``datetime``, ``date``, ``double``, ``boolean``, text lengths);
reference fields must name a live record of the right object (``MALFORMED_ID``,
``INVALID_CROSS_REFERENCE_KEY``) and an owner an active user (``INACTIVE_OWNER_OR_USER``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from connectors.crm.salesforce.fake.errors import RecordError, SalesforceError
from connectors.crm.salesforce.fake.ids import well_formed
from connectors.crm.salesforce.fake.org import TASK_PRIORITIES, TASK_STATUSES, Org
from connectors.crm.salesforce.fake.schema import FieldDef
from connectors.crm.salesforce.fake.timefmt import parse_datetime

#: Which objects a reference field may point at.
TARGETS = {"WhoId": ("Contact",), "OwnerId": ("User",), "AccountId": ("Account",)}
PICKLISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Task", "Status"): tuple(TASK_STATUSES),
    ("Task", "Priority"): TASK_PRIORITIES,
}


def known_fields(org: Org, sobject: str, values: Mapping[str, Any]) -> None:
    """Fail the whole request on a field the object lacks, as the API does (``INVALID_FIELD``)."""
    for name in values:
        if name in ("attributes", "id", "Id"):
            continue
        if org.schema.field(sobject, name) is None:
            raise SalesforceError(
                400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
            )


def clean(org: Org, sobject: str, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The values to store, coerced; ``RecordError`` for the first problem found."""
    out: dict[str, Any] = {}
    for name, raw in values.items():
        if name in ("attributes", "id", "Id"):
            continue
        definition = org.schema.field(sobject, name)
        assert definition is not None  # known_fields ran first
        if not (definition.createable if creating else definition.updateable):
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {definition.name}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                [definition.name],
            )
        out[definition.name] = _coerce(org, sobject, definition, raw)
    if creating and sobject == "Contact" and not out.get("LastName"):
        raise RecordError(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]
        )
    if creating and sobject == "Task":
        out.setdefault("Status", "Not Started")
        out.setdefault("Priority", "Normal")
    return out


def _coerce(org: Org, sobject: str, definition: FieldDef, raw: object) -> object:
    name, kind = definition.name, definition.type
    if raw is None:
        return None
    if kind in _SCALARS:
        try:
            return _SCALARS[kind](raw)
        except (TypeError, ValueError):
            raise RecordError(
                "INVALID_TYPE_ON_FIELD_IN_RECORD",
                f"{name}: value not of required type: {raw}",
                [name],
            ) from None
    text = str(raw)
    if kind == "reference":
        return _reference(org, name, text)
    allowed = PICKLISTS.get((sobject, name))
    if allowed is not None and text not in allowed:
        raise RecordError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{name}: bad value for restricted picklist field: {text}",
            [name],
        )
    if len(text) > definition.length:
        raise RecordError(
            "STRING_TOO_LONG",
            f"{name}: data value too large: {text[:40]}... (max length={definition.length})",
            [name],
        )
    return text


def _double(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(raw)
    return float(raw)


def _boolean(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(raw)
    return raw


_SCALARS: dict[str, Callable[[object], object]] = {
    "datetime": lambda raw: parse_datetime(str(raw)),
    "date": lambda raw: date.fromisoformat(str(raw)),
    "double": _double,
    "boolean": _boolean,
}


def _reference(org: Org, name: str, value: str) -> str:
    if not well_formed(value):
        raise RecordError(
            "MALFORMED_ID", f"{name}: id value of incorrect type: {value[:40]}", [name]
        )
    target = org.get(value)
    objects = TARGETS.get(name, ())
    if target is None or (objects and org.ids.sobject_of(value) not in objects):
        raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
    if name == "OwnerId" and not target.get("IsActive", True):
        raise RecordError(
            "INACTIVE_OWNER_OR_USER", "operation performed with inactive user as owner", [name]
        )
    return str(target["Id"])
