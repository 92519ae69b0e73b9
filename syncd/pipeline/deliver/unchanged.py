"""Only what changed: a contact write identical to the last one syncd made is not sent again.

A response can reach the contact sync more than once with the same NPS facts: a new version
at the source that changed nothing syncd writes (a property of the respondent, a tag), a replay
after a lost store, a re-planned answer. The store keeps a digest of the fields last written
onto each contact; an update with the same digest is settled without a CRM call.

The digest is over syncd's own fields only, as the core knows them (never the vendor's property
names), so every CRM gets the same saving. Someone editing those properties by hand in the CRM
is not seen here: the next different answer writes them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.actions import WrongActionBody
from syncd.model import ContactUpdate, NpsFields
from syncd.pipeline.deliver.context import DeliverContext
from syncd.store import keyed

#: The digest of a contact whose loop-closed field a mark wrote: no update is identical to it,
#: so the next contact sync writes every field again.
MARKED = "marked"


@dataclass(frozen=True, slots=True)
class Split:
    """The updates to send, and per action key the digest each update writes or wrote."""

    send: list[ContactUpdate]
    #: Action keys whose fields the contact already holds: settled without a call.
    unchanged: dict[str, str]
    digests: dict[str, str]


def digest(fields: NpsFields, loop_closed_at: datetime | None = None) -> str:
    """A stable digest of the NPS facts (and loop-closed time) written onto a contact.

    A cleared loop-closed time adds nothing, so digests from before the field was written stay
    valid; a loop-closed mark written since replaces the contact's digest (``MARKED``).
    """
    facts: list[object] = [
        fields.score,
        fields.category.value,
        fields.responded_at.isoformat(),
        fields.comment,
        fields.link,
        fields.survey,
        fields.source,
    ]
    if loop_closed_at is not None:
        facts.append(loop_closed_at.isoformat())
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def split_unchanged(ctx: DeliverContext, updates: Sequence[ContactUpdate]) -> Split:
    """Set aside the updates whose contact already holds exactly these fields."""
    digests = {u.key: digest(_fields(u), u.loop_closed_at) for u in updates}
    with ctx.engine.connect() as conn:
        last = keyed.digests(conn, ctx.crm.name, {update.contact_id for update in updates})
    unchanged = {u.key: u.contact_id for u in updates if last.get(u.contact_id) == digests[u.key]}
    send = [update for update in updates if update.key not in unchanged]
    return Split(send, unchanged, digests)


def _fields(update: ContactUpdate) -> NpsFields:
    if update.fields is None:
        raise WrongActionBody(f"contact sync {update.key} has no NPS fields")
    return update.fields
