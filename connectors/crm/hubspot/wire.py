"""HubSpot's JSON read straight into ``Record``s, for the batch and search calls syncd makes most.

The SDK's response models cost more CPU than the rest of a pass (each model builds its own
``Configuration``, and every timestamp goes through dateutil), so the hot calls ask the SDK for
the raw answer (``_preload_content=False``) and send plain dicts as bodies; the SDK still does
the auth, the URL and the status check, and the ``Transport`` the limits, retries and error
translation. Anything that is not the documented shape raises ``ValueError``, which the
``Transport`` reports as an unknown outcome, as it did when the SDK's models refused a body.

Shapes: ``BatchResponseSimplePublicObject`` / ``CollectionResponseWithTotalSimplePublicObject``
in HubSpot's CRM object specs (developers.hubspot.com/docs/api-reference/latest/crm/objects/
objects/batch/get-objects and .../search).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.crm.hubspot.records import BatchResult, ItemError, Page, Record
from connectors.crm.hubspot.transport import Operation, Transport

JsonObject = Mapping[str, Any]

#: Ask the SDK for the HTTP answer itself: its models cost more CPU than the rest of a pass.
RAW: dict[str, Any] = {"_preload_content": False}


def call_batch(transport: Transport, operation: Operation) -> BatchResult:
    """Run a raw batch call (idempotent) and parse its answer inside the attempt.

    Parsing inside means a body cut short or garbled is retried like a dropped connection.
    """
    result: BatchResult = transport.call(
        lambda t: batch_result(json_body(operation(t))), idempotent=True
    )
    return result


def json_body(raw: Any) -> JsonObject:
    """The JSON object of an SDK raw response (a urllib3 response), its connection released."""
    try:
        data = raw.data
    finally:
        raw.release_conn()
    parsed = json.loads(data or b"{}")
    if not isinstance(parsed, dict):
        raise ValueError(f"HubSpot answered with JSON that is not an object: {type(parsed)}")
    return parsed


def batch_result(body: JsonObject) -> BatchResult:
    """The records and per-item errors of a batch answer (200 or 207)."""
    return BatchResult(
        results=tuple(record(item) for item in _objects(body, "results")),
        errors=tuple(item_error(item) for item in _objects(body, "errors")),
    )


def record_page(body: JsonObject) -> Page[Record]:
    """One page of a search answer and the cursor of the next page."""
    return Page(tuple(record(item) for item in _objects(body, "results")), next_after(body))


def record(item: JsonObject) -> Record:
    """A ``Record`` from one result object: properties as strings, its write trace id kept."""
    record_id = item.get("id")
    if not isinstance(record_id, str | int) or isinstance(record_id, bool) or record_id == "":
        raise ValueError(f"HubSpot result without a usable id: {record_id!r}")
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValueError(f"HubSpot result {record_id} has properties of type {type(properties)}")
    trace = item.get("objectWriteTraceId")
    return Record(
        id=str(record_id),
        properties={str(k): (None if v is None else str(v)) for k, v in properties.items()},
        updated_at=_time(item.get("updatedAt")),
        trace_id=str(trace) if trace else None,
    )


def item_error(item: JsonObject) -> ItemError:
    """An ``ItemError`` from one entry of a 207's ``errors``, with the ids it names."""
    context = item.get("context")
    context = context if isinstance(context, dict) else {}
    refs = [*_strings(context.get("ids")), *_strings(context.get("objectWriteTraceId"))]
    return ItemError(
        category=str(item.get("category") or ""),
        message=str(item.get("message") or ""),
        refs=tuple(refs),
    )


def next_after(body: JsonObject) -> str | None:
    """``paging.next.after``, or None on the last page."""
    paging = body.get("paging")
    following = paging.get("next") if isinstance(paging, dict) else None
    after = following.get("after") if isinstance(following, dict) else None
    return str(after) if after not in (None, "") else None


def _objects(body: JsonObject, name: str) -> list[JsonObject]:
    items = body.get(name)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"HubSpot answered with {name!r} of type {type(items)}")
    return [item for item in items if isinstance(item, dict)]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
