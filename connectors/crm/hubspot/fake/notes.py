"""``notes/batch/upsert`` by a unique note property, and note-to-contact default associations.

As for tasks, every upsert input is validated before anything is written and one bad input
fails the batch with 400; the ``idProperty`` must be a note property with unique values.
Associating a note that is already linked changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import Body, bad_request
from connectors.crm.hubspot.fake.note_schema import NOTE_TO_CONTACT
from connectors.crm.hubspot.fake.objects import raise_problems, reject_duplicates
from connectors.crm.hubspot.fake.schema import CONTACTS, NOTES
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.fake.timefmt import iso
from connectors.crm.hubspot.fake.upsert import upsert_one
from connectors.crm.hubspot.fake.values import check_properties
from syncd.sandbox.http import Request, Response


def batch_upsert(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """Create the notes whose key is new, update the others; 200 with ``new`` flags."""
    inputs = payload.batch_inputs(payload.read_body(request))
    fallback = request.param("idProperty")
    plans = [_plan(store, item, fallback) for item in inputs]
    reject_duplicates([value for _, value, _, _ in plans])
    started = iso(store.now())
    results = [upsert_one(store, NOTES, *plan) for plan in plans]
    body = {"status": "COMPLETE", "results": results, "startedAt": started}
    return Response(200, body | {"completedAt": iso(store.now())})


def _plan(
    store: Store, item: dict[str, Any], fallback: str | None
) -> tuple[str, str, dict[str, str], str | None]:
    id_property = item.get("idProperty") or fallback
    prop = store.schema.find(NOTES, id_property) if isinstance(id_property, str) else None
    if prop is None or not prop.unique or not isinstance(id_property, str):
        raise bad_request(f"Property {id_property!r} of notes cannot be used as idProperty.")
    value = payload.input_id(item)
    raw = {**payload.input_properties(item), id_property: value}
    clean, problems = check_properties(store.schema, NOTES, raw, store.owner_ok)
    raise_problems(problems)
    trace = item.get("objectWriteTraceId")
    return id_property, value, clean, trace if isinstance(trace, str) else None


def associate(store: Store, pairs: list[tuple[str, str]]) -> tuple[list[Body], list[str]]:
    """Link (note, contact) pairs; returns the results and the ids that do not exist."""
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}
    results: list[Body] = []
    missing: list[str] = []
    for note, contact in pairs:
        absent = [i for i, kind in ((note, NOTES), (contact, CONTACTS)) if not store.get(kind, i)]
        if absent:
            missing.extend(absent)
            continue
        linked = store.note_links.setdefault(note, [])
        if contact not in linked:
            linked.append(contact)
        results.append({"from": {"id": note}, "to": {"id": contact}, "associationSpec": spec})
    return results, missing


class NoteControls:
    """The test-facing view of the notes on a contact's timeline."""

    _lock: threading.RLock
    _store: Store

    def notes_for_contact(self, contact_id: str) -> list[dict[str, str]]:
        """Every note linked to the contact: its id and properties."""
        with self._lock:
            return [
                {"id": record.id, **record.properties}
                for note_id, contacts in sorted(self._store.note_links.items())
                if contact_id in contacts and (record := self._store.get(NOTES, note_id))
            ]
