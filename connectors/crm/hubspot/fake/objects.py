"""The CRM object endpoints: batch read/update/create, single create and get.

Writes are all-or-nothing on validation, as in HubSpot: every input of a batch is checked
first, and one invalid input (an unknown property, a bad option, an unknown owner, a bad
association) fails the whole batch with 400 before anything is written. Inputs whose record
does not exist are different: the others are applied and the answer is 207.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import (
    Body,
    PropertyProblem,
    bad_request,
    conflict_item,
    invalid_properties,
    not_found,
)
from connectors.crm.hubspot.fake.schema import CONTACTS, TASKS
from connectors.crm.hubspot.fake.state import Record, Store
from connectors.crm.hubspot.fake.timefmt import iso
from connectors.crm.hubspot.fake.unique import UniqueConflict
from connectors.crm.hubspot.fake.values import check_properties
from connectors.crm.hubspot.fake.views import ALWAYS, batch_response, render, with_history
from syncd.sandbox.http import Request, Response

TASK_TO_CONTACT = 204


class _Outcome:
    """What one batch call found and missed, timed like HubSpot's startedAt/completedAt."""

    def __init__(self, store: Store, kind: str) -> None:
        self.store, self.kind = store, kind
        self.started = iso(store.now())
        self.results: list[Body] = []
        self.missing: list[str] = []
        self.errors: list[Body] = []  # per-input failures that did not stop the others

    def respond(self, status: int) -> Response:
        finished = iso(self.store.now())
        response = batch_response(
            self.kind,
            self.results,
            self.missing,
            started=self.started,
            finished=finished,
            status=status,
        )
        if self.errors:  # HubSpot's multi-status: what was written, and what was not and why
            errors = [*response.body.get("errors", []), *self.errors]
            response = Response(207, response.body | {"numErrors": len(errors), "errors": errors})
        return response


def batch_read(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    body = payload.read_body(request)
    inputs = payload.batch_inputs(body)
    requested = payload.string_list(body, "properties", required=True)
    history = payload.string_list(body, "propertiesWithHistory", required=False) or []
    id_property = _id_property(store, kind, body.get("idProperty"))
    outcome = _Outcome(store, kind)
    for key in dict.fromkeys(payload.input_id(item) for item in inputs):
        record = _lookup(store, kind, id_property, key)
        if record is None:
            outcome.missing.append(key)
            continue
        result = render(store.schema, kind, record.id, record.properties, requested)
        outcome.results.append(with_history(result, record.properties, history))
    return outcome.respond(200)


def batch_update(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    inputs = payload.batch_inputs(payload.read_body(request))
    changes = [_update_input(store, kind, item) for item in inputs]
    reject_duplicates([record_id for record_id, _ in changes])
    raise_problems([p for _, (_, problems) in changes for p in problems])
    for record_id, (clean, _) in changes:  # a taken unique value refuses the batch, unwritten
        if store.get(kind, record_id) is not None:
            store.check_unique(kind, record_id, clean)
    outcome = _Outcome(store, kind)
    for record_id, (clean, _) in changes:
        record = store.get(kind, record_id)
        if record is None:
            outcome.missing.append(record_id)
            continue
        store.change(record, clean)
        changed = [*clean, *ALWAYS[kind]]
        outcome.results.append(render(store.schema, kind, record.id, record.properties, changed))
    return outcome.respond(200)


def batch_create(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """Create up to 100 tasks, each with its inline 204 associations.

    An invalid input fails the whole batch with 400; an input whose unique value another task
    already holds fails alone, and the others are created: 207 with one error per refused input.
    """
    inputs = payload.batch_inputs(payload.read_body(request))
    plans = [task_plan(store, item) for item in inputs]
    raise_problems([p for plan in plans for p in plan.problems])
    outcome = _Outcome(store, TASKS)
    for plan in plans:
        try:
            outcome.results.append(create_task(store, plan))
        except UniqueConflict as clash:
            outcome.errors.append(
                conflict_item(clash.object_type, clash.name, clash.value, clash.holder)
            )
    return outcome.respond(201)


def create_one(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    plan = task_plan(store, payload.read_body(request))
    raise_problems(plan.problems)
    return Response(201, create_task(store, plan))


def get_one(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    key = params["id"]
    record = _lookup(store, kind, _id_property(store, kind, request.param("idProperty")), key)
    if record is None:
        raise not_found("Object not found.  objectId are usually numeric.", id=[key])
    requested = payload.query_list(request, "properties")
    result = render(store.schema, kind, record.id, record.properties, requested)
    wanted = {payload.object_type(n) for n in payload.query_list(request, "associations") or []}
    linked = _linked(store, record, wanted)
    return Response(200, result | ({"associations": linked} if linked else {}))


def _linked(store: Store, record: Record, wanted: set[str]) -> Body:
    """``?associations=contacts`` on a task (or ``tasks`` on a contact), in the v3 shape."""
    if record.object_type == TASKS and CONTACTS in wanted:
        links = [{"id": c, "type": "task_to_contact"} for c in store.contacts_of(record.id)]
        return {CONTACTS: {"results": links}}
    if record.object_type == CONTACTS and TASKS in wanted:
        links = [{"id": t, "type": "contact_to_task"} for t in store.tasks_of(record.id)]
        return {TASKS: {"results": links}}
    return {}


def reject_duplicates(record_ids: list[str]) -> None:
    duplicates = sorted(i for i, n in Counter(record_ids).items() if n > 1)
    if duplicates:
        raise bad_request(f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")


def _id_property(store: Store, kind: str, raw: object) -> str:
    """``hs_object_id`` (the default) or a property with unique values, as HubSpot requires."""
    id_property = str(raw or "hs_object_id")
    if id_property != "hs_object_id" and id_property not in store.schema.unique(kind):
        raise bad_request(f"{id_property} is not a unique property of {kind}; use a record id.")
    return id_property


def _lookup(store: Store, kind: str, id_property: str, key: str) -> Record | None:
    if id_property == "hs_object_id":
        return store.get(kind, key)
    return store.find_unique(kind, id_property, key)


def _update_input(
    store: Store, kind: str, item: dict[str, Any]
) -> tuple[str, tuple[dict[str, str], list[PropertyProblem]]]:
    # Batch update takes record ids only (HubSpot's guide says so; idProperty here is unconfirmed).
    if item.get("idProperty") not in (None, "hs_object_id"):
        raise bad_request(
            "Batch update identifies records by record id; idProperty is not supported."
        )
    record_id = payload.input_id(item)
    raw = payload.input_properties(item)
    return record_id, check_properties(store.schema, kind, raw, store.owner_ok)


def raise_problems(problems: list[PropertyProblem]) -> None:
    if problems:
        raise invalid_properties(problems)


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """A validated task input: clean properties, contacts to link, and what was wrong."""

    properties: dict[str, str]
    contact_ids: list[str]
    problems: list[PropertyProblem]


def task_plan(store: Store, item: dict[str, Any]) -> TaskPlan:
    raw = payload.input_properties(item)
    clean, problems = check_properties(store.schema, TASKS, raw, store.owner_ok)
    if not clean.get("hs_timestamp") and "hs_timestamp" not in {p.name for p in problems}:
        problems.append(
            PropertyProblem("hs_timestamp", "REQUIRED", 'Property "hs_timestamp" is required')
        )
    return TaskPlan(clean, _association_targets(store, item.get("associations")), problems)


def _association_targets(store: Store, raw: object) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("Invalid input JSON: `associations` must be a list")
    return [_association_target(store, association) for association in raw]


def _association_target(store: Store, association: object) -> str:
    to = association.get("to") if isinstance(association, dict) else None
    target = to.get("id") if isinstance(to, dict) else None
    types = association.get("types") if isinstance(association, dict) else None
    if not isinstance(target, str) or not isinstance(types, list) or not types:
        raise bad_request("Invalid input JSON: an association needs `to.id` and `types`")
    for spec in types:
        _check_association_type(spec)
    if store.get(CONTACTS, target) is None:
        raise bad_request(f"One or more associations are invalid: no CONTACT with id {target}.")
    return target


def _check_association_type(spec: object) -> None:
    """Only task→contact associations exist in the fake: HUBSPOT_DEFINED type 204 (an int)."""
    category = spec.get("associationCategory") if isinstance(spec, dict) else None
    type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
    if category == "HUBSPOT_DEFINED" and type_id == TASK_TO_CONTACT and type(type_id) is int:
        return
    raise bad_request(
        f"One or more associations are invalid: {category}/{type_id!r} is not an association "
        f"type from TASK to CONTACT (use HUBSPOT_DEFINED/{TASK_TO_CONTACT})."
    )


def create_task(store: Store, plan: TaskPlan) -> dict[str, Any]:
    record = store.create(TASKS, plan.properties)
    for contact_id in plan.contact_ids:
        store.link(record.id, contact_id)
    return render(store.schema, TASKS, record.id, record.properties, None)
