"""Notes on the contact timeline: a batch upsert keyed by a unique note property, then links.

HubSpot notes take ``POST /crm/v3/objects/notes/batch/upsert`` with an ``idProperty`` that
has unique values ("Create or update a batch of notes by unique property values",
developers.hubspot.com/docs/api-reference/legacy/crm/activities/notes/batch/upsert-notes), so
the note of one answer version is written once however often it is sent. Upsert inputs carry no
associations: the note is then linked to its contact with the default association, which is
idempotent too. Calls: one upsert and one associate per 100 notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from connectors.crm.hubspot import mapping, outcomes
from connectors.crm.hubspot.batching import send_groups
from connectors.crm.hubspot.errors import HubSpotRejected
from connectors.crm.hubspot.records import (
    BatchResult,
    association_result,
    item_error_from,
    list_of,
    record_from,
)
from connectors.crm.hubspot.sdk import close_api, sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.chunks import chunks
from syncd.contracts import BatchOutcome
from syncd.errors import CrmSetupError, SyncdError
from syncd.model import ResponseNote

Outcome = dict[str, "str | SyncdError"]


class NoteKeyPropertyMissing(CrmSetupError):
    """``history_notes`` is on but the unique note key property is not usable: notes wait.

    Blocking, not terminal: every note would fail the same way until an admin creates it."""


def note_key_missing(name: str, problem: str) -> NoteKeyPropertyMissing:
    """The error that holds delivery back until the note key property is set up right."""
    return NoteKeyPropertyMissing(
        f"HubSpot note property {name!r} ([crm] note_key) {problem}. With [crm] "
        "history_notes = true, syncd writes one note per answer as an upsert keyed by it: "
        "create it on notes with hasUniqueValue=true (type string), or turn history_notes off; "
        "delivery waits until then."
    )


class NoteWriter:
    """Upserts notes by their key property and links each to its contact."""

    def __init__(self, settings: HubSpotSettings, transport: Transport, batch_limit: int) -> None:
        self._settings = settings
        self._key_checked = False
        self._key = settings.note_key
        self._transport = transport
        self._limit = batch_limit

    # The SDK's API objects are built on the first note: with history_notes off they never are,
    # and the notes package (a megabyte of generated models) is never imported.
    @cached_property
    def _notes(self) -> Any:
        return sdk_client(self._settings).crm.objects.notes.batch_api

    @cached_property
    def _properties(self) -> Any:
        return sdk_client(self._settings).crm.properties.core_api

    @cached_property
    def _associations(self) -> Any:
        return sdk_client(self._settings).crm.associations.v4.batch_api

    def add(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        """The note id per key, once the note exists and is linked to its contact."""
        if notes:
            self._check_key()
        groups = list(chunks(notes, self._limit))
        return send_groups(groups, self._send, lambda note: note.key)

    def close(self) -> None:
        """Drop the pooled connections of the API objects built."""
        for name in ("_notes", "_associations", "_properties"):
            if name in self.__dict__:
                close_api(self.__dict__[name])

    def _check_key(self) -> None:
        """Block delivery with one clear error while the note key property is not usable."""
        if self._key_checked:
            return
        try:
            prop = self._transport.call(
                lambda t: self._properties.get_by_name("notes", self._key, _request_timeout=t),
                idempotent=True,
            )
        except HubSpotRejected as error:
            if error.status == 404:
                raise note_key_missing(self._key, "does not exist") from error
            raise
        if not getattr(prop, "has_unique_value", False):
            raise note_key_missing(self._key, "exists but does not require unique values")
        self._key_checked = True

    def _send(self, notes: Sequence[ResponseNote]) -> Outcome:
        import hubspot.crm.objects.notes.models as note_models  # lazy: see _notes

        request = note_models.BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                note_models.SimplePublicObjectBatchInputUpsert(
                    id_property=self._key,
                    id=note.key,
                    properties={
                        self._key: note.key,
                        "hs_note_body": note.body,
                        "hs_timestamp": str(mapping.epoch_ms(note.at)),
                    },
                    object_write_trace_id=note.key,
                )
                for note in notes
            ]
        )
        response = self._transport.call(
            lambda t: self._notes.upsert(request, _request_timeout=t), idempotent=True
        )
        result = BatchResult(
            results=tuple(record_from(item) for item in list_of(response, "results")),
            errors=tuple(item_error_from(item) for item in list_of(response, "errors")),
        )
        upserted = outcomes.match(
            notes,
            result,
            key=lambda note: note.key,
            ref=lambda note: note.key,
            record_refs=lambda r: (r.properties.get(self._key), r.trace_id),
            error_for=outcomes.task_error,
        )
        return self._link(notes, upserted)

    def _link(self, notes: Sequence[ResponseNote], upserted: Outcome) -> Outcome:
        links = {
            note.key: (note_id, note.contact_id)
            for note in notes
            if isinstance(note_id := upserted[note.key], str)
        }
        if not links:
            return upserted
        import hubspot.crm.associations.v4.models as association_models  # lazy: see _notes

        request = association_models.BatchInputPublicDefaultAssociationMultiPost(
            inputs=[
                association_models.PublicDefaultAssociationMultiPost(
                    _from=association_models.PublicObjectId(id=note_id),
                    to=association_models.PublicObjectId(id=contact_id),
                )
                for note_id, contact_id in links.values()
            ]
        )
        # As for tasks: the SDK drops a 207's body, so it is read raw.
        raw = self._transport.call(
            lambda t: self._associations.create_default(
                "notes", "contacts", request, _request_timeout=t, _preload_content=False
            ),
            idempotent=True,
        )
        try:
            linked = association_result(raw.data)
        finally:
            raw.release_conn()
        return upserted | outcomes.match_links(links, linked)
