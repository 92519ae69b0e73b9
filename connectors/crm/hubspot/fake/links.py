"""``POST /crm/v4/associations/{from}/{to}/batch/associate/default``: default associations.

HubSpot: "Batch create the default (most generic) association type between two object types",
inputs ``{"from": {"id"}, "to": {"id"}}``, results ``{"from", "to", "associationSpec"}``
(https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/batch/create-associations).
An association either exists or not, so associating twice leaves one: the call is idempotent,
like the single ``PUT .../associations/default/...``. Inputs naming a record that does not
exist are reported in a 207's ``errors``; the others are applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.crm.hubspot.fake import notes, payload
from connectors.crm.hubspot.fake.directory import ASSOCIATION_TYPES
from connectors.crm.hubspot.fake.errors import Body, bad_request
from connectors.crm.hubspot.fake.schema import CONTACTS, NOTES, TASKS
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.fake.timefmt import iso
from syncd.sandbox.http import Request, Response

_MAX_INPUTS = 2000  # the associations API takes larger batches than the object APIs
_MAX_READS = 1000


def associate_default(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kinds = (payload.object_type(params["type"]), payload.object_type(params["to"]))
    if kinds == (NOTES, CONTACTS):
        return _respond(store, *notes.associate(store, _inputs(payload.read_body(request))))
    type_id = ASSOCIATION_TYPES.get(kinds)
    if type_id is None:
        raise bad_request(f"No association from {kinds[0]} to {kinds[1]} is supported by the fake.")
    inputs = _inputs(payload.read_body(request))
    started = iso(store.now())
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    results: list[Body] = []
    missing: list[str] = []
    for source, target in inputs:
        absent = [
            i for i, kind in ((source, kinds[0]), (target, kinds[1])) if not store.get(kind, i)
        ]
        if absent:
            missing.extend(absent)
            continue
        task, contact = (source, target) if kinds[0] == TASKS else (target, source)
        store.link(task, contact)
        results.append({"from": {"id": source}, "to": {"id": target}, "associationSpec": spec})
    body: Body = {"status": "COMPLETE", "results": results, "startedAt": started}
    if missing:
        body |= {"numErrors": 1, "errors": [_not_found(missing)]}
    return Response(207 if missing else 200, body | {"completedAt": iso(store.now())})


def batch_read(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """``POST /crm/v4/associations/{from}/{to}/batch/read``: each input's associated ids.

    HubSpot: "Batch read associations for objects to specific object type", inputs ``{"id"}``
    (and ``after`` for the next page of one id's associations), at most 1,000 per call; results
    ``{"from": {"id"}, "to": [{"toObjectId", "associationTypes"}]}``
    (https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/batch/read-associations).
    An id with no associations of that type is left out of ``results`` and named in a 207's
    ``errors`` (the error item's wording is this fake's). Served from the association index.
    """
    kinds = (payload.object_type(params["type"]), payload.object_type(params["to"]))
    type_id = ASSOCIATION_TYPES.get(kinds)
    if type_id is None:
        raise bad_request(f"No association from {kinds[0]} to {kinds[1]} is supported by the fake.")
    raw = payload.read_body(request).get("inputs")
    if not isinstance(raw, list) or not raw or len(raw) > _MAX_READS:
        raise bad_request(f"Invalid input JSON: `inputs` must hold 1 to {_MAX_READS} objects")
    started = iso(store.now())
    of = store.tasks_of if kinds[0] == CONTACTS else store.contacts_of
    spec = {"category": "HUBSPOT_DEFINED", "typeId": type_id}  # unlabelled: no ``label``
    results: list[Body] = []
    lonely: list[str] = []
    for source in dict.fromkeys(payload.input_id(item) for item in raw):
        targets = sorted(of(source), key=int) if store.get(kinds[0], source) else []
        if not targets:
            lonely.append(source)
            continue
        to = [{"toObjectId": int(t), "associationTypes": [spec]} for t in targets]
        results.append({"from": {"id": source}, "to": to})
    body: Body = {"status": "COMPLETE", "results": results, "startedAt": started}
    if lonely:
        message = f"No {kinds[1][:-1]} is associated with these {kinds[0]}."
        error = {"status": "error", "category": "OBJECT_NOT_FOUND", "message": message}
        body |= {"numErrors": 1, "errors": [error | {"context": {"fromObjectId": lonely}}]}
    return Response(207 if lonely else 200, body | {"completedAt": iso(store.now())})


def _respond(store: Store, results: list[Body], missing: list[str]) -> Response:
    started = iso(store.now())
    body: Body = {"status": "COMPLETE", "results": results, "startedAt": started}
    if missing:
        body |= {"numErrors": 1, "errors": [_not_found(missing)]}
    return Response(207 if missing else 200, body | {"completedAt": iso(store.now())})


def _inputs(body: dict[str, Any]) -> list[tuple[str, str]]:
    raw = body.get("inputs")
    if not isinstance(raw, list) or not raw or len(raw) > _MAX_INPUTS:
        raise bad_request(f"Invalid input JSON: `inputs` must hold 1 to {_MAX_INPUTS} objects")
    return [(_id(item, "from"), _id(item, "to")) for item in raw]


def _id(item: object, side: str) -> str:
    ref = item.get(side) if isinstance(item, dict) else None
    value = ref.get("id") if isinstance(ref, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise bad_request(f"Invalid input JSON: every input needs `{side}.id`")
    return value


def _not_found(ids: list[str]) -> Body:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not find some of the objects to associate; they may be deleted.",
        "context": {"ids": list(dict.fromkeys(ids))},
    }
