"""History: one note per answer on the contact's timeline (``[crm] history_notes = true``).

The contact's NPS properties hold the latest answer only; the note keeps each answer, so a
later survey never erases what an earlier one said. A note is keyed by the response and its
version, and ``Crm.add_notes`` is idempotent on that key: a retry never doubles a note. An
answer whose note failed is retried as a whole (its contact write, unchanged, costs no call).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from syncd.actions import ContactSync, body_as
from syncd.errors import SyncdError, Transient
from syncd.model import Contact, NpsFields, ResponseNote
from syncd.pipeline.deliver.context import DeliverContext
from syncd.store.outbox import Action


def add_history(
    ctx: DeliverContext,
    actions: Sequence[Action],
    contacts: Mapping[str, Contact],
    outcomes: dict[str, str | SyncdError],
) -> None:
    """Note every answer whose contact write succeeded (superseded ones too); errors to outcomes."""
    if not ctx.history_notes:
        return
    notes = {
        action.key: note_of(action, contacts[action.key])
        for action in actions
        if isinstance(outcomes.get(action.key), str) and action.key in contacts
    }
    if not notes:
        return
    try:
        written = ctx.crm.add_notes(list(notes.values()))
    except SyncdError as error:
        outcomes.update({key: error for key in notes})
        return
    for key, note in notes.items():
        outcome = written.get(note.key) or Transient(f"the CRM returned no note for {note.key}")
        if not isinstance(outcome, str):
            outcomes[key] = outcome


def note_of(action: Action, contact: Contact) -> ResponseNote:
    """The note of one version of one answer."""
    fields = body_as(action.payload, ContactSync).fields
    return ResponseNote(
        key=f"{action.source}:{action.response_id}:v{action.version}",
        contact_id=contact.id,
        body=note_body(fields),
        at=fields.responded_at,
    )


def note_body(fields: NpsFields) -> str:
    """Plain text a person reads on the timeline; blank facts are left out."""
    lines = [
        f"NPS {fields.score} ({fields.category.value})",
        f"Comment: {fields.comment}" if fields.comment else "",
        f"Survey: {fields.survey}" if fields.survey else "",
        f"Source: {fields.source}" if fields.source else "",
        f"Response: {fields.link}" if fields.link else "",
        f"Answered: {fields.responded_at.isoformat(timespec='minutes')}",
    ]
    return "\n".join(line for line in lines if line)
