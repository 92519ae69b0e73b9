"""Records rendered as HubSpot's ``SimplePublicObject`` JSON, and the batch envelopes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.crm.hubspot.fake.errors import Body
from connectors.crm.hubspot.fake.schema import COMPANIES, CONTACTS, NOTES, TASKS, Schema
from connectors.crm.hubspot.fake.state import CREATED, MODIFIED
from syncd.sandbox.http import Response

#: Returned whatever was asked for.
ALWAYS = {
    CONTACTS: ("createdate", "hs_object_id", "lastmodifieddate"),
    TASKS: ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    COMPANIES: ("createdate", "hs_lastmodifieddate", "hs_object_id"),
    NOTES: ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
#: Returned when no properties were asked for.
DEFAULTS = {
    CONTACTS: ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    TASKS: ALWAYS[TASKS],
    COMPANIES: ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    NOTES: ALWAYS[NOTES],
}
_NAMES = {CONTACTS: "CONTACT", TASKS: "TASK", COMPANIES: "COMPANY", NOTES: "NOTE"}


def render(
    schema: Schema,
    object_type: str,
    record_id: str,
    props: Mapping[str, str],
    requested: Sequence[str] | None,
) -> Body:
    """``requested=None`` renders every stored property, ``[]`` the DEFAULTS; otherwise the known
    requested names (unknown ones are ignored, unset ones come back as ``null``) plus ALWAYS."""
    if requested is None:
        names: Sequence[str] = sorted(props)
    else:
        known = [n for n in requested if schema.find(object_type, n)]
        wanted = known if requested else DEFAULTS[object_type]
        names = list(dict.fromkeys([*wanted, *ALWAYS[object_type]]))
    return {
        "id": record_id,
        "properties": {name: props.get(name) for name in names},
        "createdAt": props[CREATED[object_type]],
        "updatedAt": props[MODIFIED[object_type]],
        "archived": False,
    }


def with_history(result: Body, props: Mapping[str, str], names: Sequence[str]) -> Body:
    """The fake keeps no property history: each name gets its current value only."""
    if not names:
        return result
    stamp = result["updatedAt"]
    history = {
        name: [{"value": props[name], "timestamp": stamp, "sourceType": "API"}]
        for name in names
        if name in props
    }
    return result | {"propertiesWithHistory": history}


def batch_response(
    object_type: str,
    results: list[Body],
    missing: Sequence[str],
    *,
    started: str,
    finished: str,
    status: int,
) -> Response:
    """``status`` when everything was found; 207 with one OBJECT_NOT_FOUND error otherwise."""
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if missing:
        message = (
            f"Could not get some {_NAMES[object_type]} objects, they may be deleted or not exist. "
            "Check that ids are valid."
        )
        error = {"status": "error", "category": "OBJECT_NOT_FOUND", "message": message}
        body |= {"numErrors": 1, "errors": [error | {"context": {"ids": list(missing)}}]}
        status = 207
    body |= {"startedAt": started, "completedAt": finished}
    return Response(status, body)


def page(results: list[Body], next_after: int | None) -> Body:
    """HubSpot omits ``paging`` entirely on the last page."""
    body: Body = {"results": results}
    if next_after is not None:
        body["paging"] = {"next": {"after": str(next_after)}}
    return body
