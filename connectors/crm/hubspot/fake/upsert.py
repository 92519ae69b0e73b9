"""``POST /crm/v3/objects/tasks/batch/upsert``: create or update tasks by a unique property.

HubSpot: "Create or update records identified by a unique property value as specified by the
``idProperty``" ("Tasks that don't exist will be created, while existing tasks will be
updated"), each input ``{"idProperty", "id", "properties", "objectWriteTraceId"}``, each result
a ``SimplePublicUpsertObject`` with ``new`` telling a create from an update
(https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/batch/upsert-tasks,
and the ``tasks/batch/upsert`` operation of HubSpot's tasks OpenAPI spec). Upsert inputs carry
no ``associations``: those are made with the v4 associations API (``links.py``).

The ``idProperty`` must be a property defined with ``hasUniqueValue: true``; the value lookup
goes through the store's unique index, never a scan. As in batch create, every input is
validated first and one invalid input fails the whole batch with 400 before anything is
written; HubSpot's exact wording for a bad ``idProperty`` is not documented, so the messages
here only keep HubSpot's error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import Body, PropertyProblem, bad_request
from connectors.crm.hubspot.fake.objects import raise_problems, reject_duplicates
from connectors.crm.hubspot.fake.schema import TASKS
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.fake.timefmt import iso
from connectors.crm.hubspot.fake.values import check_properties
from connectors.crm.hubspot.fake.views import ALWAYS, render
from syncd.sandbox.http import Request, Response


@dataclass(frozen=True, slots=True)
class _UpsertPlan:
    id_property: str
    value: str
    properties: dict[str, str]
    trace_id: str | None
    problems: list[PropertyProblem]


def batch_upsert(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """Create the tasks whose unique value is new, update the others; 200 with ``new`` flags."""
    inputs = payload.batch_inputs(payload.read_body(request))
    fallback = request.param("idProperty")
    plans = [_plan(store, item, fallback) for item in inputs]
    reject_duplicates([plan.value for plan in plans])
    raise_problems([problem for plan in plans for problem in plan.problems])
    started = iso(store.now())
    results = [_apply(store, plan) for plan in plans]
    body = {"status": "COMPLETE", "results": results, "startedAt": started}
    return Response(200, body | {"completedAt": iso(store.now())})


def _plan(store: Store, item: dict[str, Any], fallback: str | None) -> _UpsertPlan:
    id_property = _unique_property(store, item.get("idProperty") or fallback)
    value = payload.input_id(item)
    raw = dict(payload.input_properties(item))
    if raw.setdefault(id_property, value) != value:
        raise bad_request(
            f"Input with id {value!r} sets {id_property} to {raw[id_property]!r}; "
            "the idProperty value must match the id."
        )
    clean, problems = check_properties(store.schema, TASKS, raw, store.owner_ok)
    trace = item.get("objectWriteTraceId")
    return _UpsertPlan(
        id_property, value, clean, trace if isinstance(trace, str) else None, problems
    )


def _unique_property(store: Store, raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        raise bad_request("Invalid input JSON: every upsert input needs an `idProperty`")
    prop = store.schema.find(TASKS, raw)
    if prop is None:
        problem = PropertyProblem(raw, "PROPERTY_DOESNT_EXIST", f'Property "{raw}" does not exist')
        raise bad_request(problem.message, errors=[problem.detail()])
    if not prop.unique:
        raise bad_request(
            f'Property "{raw}" of tasks does not require unique values (hasUniqueValue is false) '
            "and cannot be used as idProperty."
        )
    return raw


def _apply(store: Store, plan: _UpsertPlan) -> Body:
    return upsert_one(
        store,
        TASKS,
        plan.id_property,
        plan.value,
        plan.properties,
        plan.trace_id,
        # A plain create knows no key: the task does not hold it, so nothing can find it again.
        forget_key=store.upserts_create_always,
    )


def upsert_one(
    store: Store,
    kind: str,
    id_property: str,
    value: str,
    properties: Mapping[str, str],
    trace: str | None,
    *,
    forget_key: bool = False,
) -> Body:
    """Create the record of ``kind`` whose unique ``id_property`` holds ``value``, or update it.

    The result is one item of a batch upsert answer, with HubSpot's ``new`` flag.
    """
    existing = None if forget_key else store.find_unique(kind, id_property, value)
    if existing is None:
        fresh = {k: v for k, v in properties.items() if not (forget_key and k == id_property)}
        record = store.create(kind, fresh)
    else:
        store.change(existing, dict(properties))
        record = existing
    result = render(store.schema, kind, record.id, record.properties, [*properties, *ALWAYS[kind]])
    result["new"] = existing is None
    if trace is not None:
        result["objectWriteTraceId"] = trace
    return result
