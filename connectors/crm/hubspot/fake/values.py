"""The checks HubSpot applies to written property values, and how it normalises them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from connectors.crm.hubspot.fake.errors import PropertyProblem
from connectors.crm.hubspot.fake.schema import PropertyDef, Schema
from connectors.crm.hubspot.fake.timefmt import iso, parse_instant

OwnerCheck = Callable[[str], bool]
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def check_properties(
    schema: Schema, object_type: str, raw: Mapping[str, object], owner_ok: OwnerCheck
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Normalise every value (datetimes to ISO) and collect every problem, not just the first."""
    clean: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    for name, value in raw.items():
        prop = schema.find(object_type, name)
        result = (
            PropertyProblem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
            if prop is None
            else check_value(prop, value, owner_ok)
        )
        if isinstance(result, PropertyProblem):
            problems.append(result)
        else:
            clean[name] = result
    return clean, problems


def check_value(prop: PropertyDef, value: object, owner_ok: OwnerCheck) -> str | PropertyProblem:
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return PropertyProblem(
            prop.name, "INVALID_PROPERTY_VALUE", f"{prop.name} must be a string, got {kind}"
        )
    if prop.read_only:
        message = f'"{prop.name}" is a read only property; its value cannot be set.'
        return PropertyProblem(prop.name, "READ_ONLY_VALUE", message)
    if value == "":  # an empty string clears the value
        return value
    return _TYPE_CHECKS.get(prop.type, _check_string)(prop, value, owner_ok)


def _check_string(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    return value


def _check_number(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    if _NUMBER.fullmatch(value.strip()):
        return value.strip()
    return PropertyProblem(prop.name, "INVALID_INTEGER", f"{value} was not a valid number.")


def _check_datetime(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    moment = parse_instant(value)
    if moment is not None:
        return iso(moment)
    return PropertyProblem(
        prop.name, "INVALID_DATE", f"{value} was not a valid date (epoch milliseconds or ISO-8601)."
    )


def _check_date(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    """Date properties hold a day: HubSpot answers ``2026-11-24`` for midnight UTC."""
    checked = _check_datetime(prop, value, owner_ok)
    return checked[:10] if isinstance(checked, str) else checked


def _check_bool(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    if value.lower() in ("true", "false"):
        return value.lower()
    return PropertyProblem(prop.name, "INVALID_BOOLEAN", f"{value} was not a valid boolean.")


def _check_option(prop: PropertyDef, value: str, owner_ok: OwnerCheck) -> str | PropertyProblem:
    if prop.owner:  # hubspot_owner_id: an existing, active owner's id
        if owner_ok(value):
            return value
        return PropertyProblem(prop.name, "INVALID_OWNER_ID", f"{value} is not a valid owner id")
    allowed = [option for option, _ in prop.options]
    if value in allowed:
        return value
    message = f"{value} was not one of the allowed options: [{', '.join(allowed)}]"
    return PropertyProblem(prop.name, "INVALID_OPTION", message)


_TYPE_CHECKS: dict[str, Callable[[PropertyDef, str, OwnerCheck], str | PropertyProblem]] = {
    "number": _check_number,
    "datetime": _check_datetime,
    "date": _check_date,
    "bool": _check_bool,
    "enumeration": _check_option,
}
