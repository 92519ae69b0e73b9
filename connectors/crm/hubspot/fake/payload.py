"""Reading request bodies and query strings the way HubSpot does, with HubSpot's 400s."""

from __future__ import annotations

import json
from typing import Any

from connectors.crm.hubspot.fake.errors import bad_request
from connectors.crm.hubspot.fake.schema import COMPANIES, CONTACTS, NOTES, TASKS
from syncd.sandbox.http import Request

MAX_BATCH = 100
_OBJECT_TYPES = {
    "contacts": CONTACTS,
    "contact": CONTACTS,
    "0-1": CONTACTS,
    "tasks": TASKS,
    "task": TASKS,
    "0-27": TASKS,
    "companies": COMPANIES,
    "company": COMPANIES,
    "0-2": COMPANIES,
    "notes": NOTES,
    "note": NOTES,
    "0-46": NOTES,
}


def object_type(name: str) -> str:
    """Canonical object type for a path segment; HubSpot also accepts the singular and the id."""
    try:
        return _OBJECT_TYPES[name.lower()]
    except KeyError:
        raise bad_request(f"Unable to infer object type from: {name}") from None


def read_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"Invalid input JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: expected an object")
    return body


def batch_inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise bad_request("Invalid input JSON: `inputs` must be a list of objects")
    if len(inputs) > MAX_BATCH:
        raise bad_request(f"Batch input size {len(inputs)} is over the limit of {MAX_BATCH}.")
    return inputs


def input_id(item: dict[str, Any]) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not value:
        raise bad_request("Invalid input JSON: every input needs a string `id`")
    return value


def input_properties(item: dict[str, Any]) -> dict[str, object]:
    properties = item.get("properties")
    if not isinstance(properties, dict):
        raise bad_request("Invalid input JSON: `properties` must be an object")
    return properties


def string_list(body: dict[str, Any], key: str, *, required: bool) -> list[str] | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"Invalid input JSON: `{key}` must be a list of strings")
    return value


def query_list(request: Request, key: str) -> list[str] | None:
    """``?properties=a,b&properties=c`` → [a, b, c]; the SDK repeats the key, others use commas."""
    values = request.query.get(key)
    if values is None:
        return None
    return [name for value in values for name in value.split(",") if name]


def query_int(request: Request, key: str, default: int, maximum: int) -> int:
    raw = request.param(key)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise bad_request(f"`{key}` must be an integer between 1 and {maximum}, got {raw!r}")
    return int(raw)


def offset(raw: object) -> int:
    """Paging cursors are integer-formatted strings (``paging.next.after``)."""
    if raw is None or raw == "":
        return 0
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise bad_request(f"`after` must be an integer-formatted string, got {raw!r}")


def flag(request: Request, key: str) -> bool:
    """Query booleans: the SDK sends Python's ``True``/``False``, others ``true``/``false``."""
    return (request.param(key) or "").lower() == "true"
