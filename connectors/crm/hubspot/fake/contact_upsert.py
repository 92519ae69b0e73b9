"""``POST /crm/v3/objects/contacts/batch/upsert``: create or update contacts by email.

HubSpot's contacts batch upsert takes ``idProperty`` per input, and ``email`` is one it accepts
for contacts ("Create or update records identified by a unique property value";
developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts).
Emails are compared without case, as HubSpot compares them. Each result carries ``new``.
Every input is validated before anything is written: one bad input fails the batch with 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import bad_request
from connectors.crm.hubspot.fake.objects import raise_problems, reject_duplicates
from connectors.crm.hubspot.fake.schema import CONTACTS
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.fake.timefmt import iso
from connectors.crm.hubspot.fake.upsert import upsert_one
from connectors.crm.hubspot.fake.values import check_properties
from syncd.sandbox.http import Request, Response

EMAIL = "email"


def batch_upsert(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """Create the contacts whose email is new, update the others; 200 with ``new`` flags."""
    inputs = payload.batch_inputs(payload.read_body(request))
    fallback = request.param("idProperty")
    plans = [_plan(store, item, fallback) for item in inputs]
    reject_duplicates([email for email, _, _ in plans])
    started = iso(store.now())
    results = [
        upsert_one(store, CONTACTS, EMAIL, email, props, trace) for email, props, trace in plans
    ]
    body = {"status": "COMPLETE", "results": results, "startedAt": started}
    return Response(200, body | {"completedAt": iso(store.now())})


def _plan(
    store: Store, item: dict[str, Any], fallback: str | None
) -> tuple[str, dict[str, str], str | None]:
    if (item.get("idProperty") or fallback) != EMAIL:
        raise bad_request("Invalid input JSON: the fake upserts contacts by `email` only")
    email = payload.input_id(item).strip().lower()
    raw = {**payload.input_properties(item), EMAIL: email}
    clean, problems = check_properties(store.schema, CONTACTS, raw, store.owner_ok)
    raise_problems(problems)
    trace = item.get("objectWriteTraceId")
    return email, clean, trace if isinstance(trace, str) else None
