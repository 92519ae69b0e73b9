"""The one codec between action bodies (``syncd.actions``) and the outbox's ``payload`` column.

Every stored body carries its format number under ``"format"``. Format 2 is what this code
writes. Rows without the number were written before bodies were typed (format 1: a flat dict
with the same names, where the identifiers other than email, and an update's extra task fields,
may be absent or present); they still decode, so an upgrade never strands pending work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime

from syncd.actions import (
    ActionBody,
    ActionKind,
    ContactSync,
    LoopClosedMark,
    TaskCreate,
    TaskEdit,
)
from syncd.model import NpsCategory, NpsFields, Priority, Respondent

#: The format ``to_json`` writes.
FORMAT = 2
#: Rows written before the format was recorded.
_UNVERSIONED = 1
#: ``json.dumps(..., sort_keys=True)`` builds this encoder anew on every call; the same encoder,
#: built once, writes the same text at two thirds of the cost (two bodies an answer).
_ENCODER = json.JSONEncoder(sort_keys=True)

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
Fields = Mapping[str, JsonValue]


class UnreadableAction(ValueError):
    """A stored body this code cannot decode (a newer format, or a damaged row)."""


def to_json(body: ActionBody) -> str:
    """The stored text of ``body``, stable for equal bodies (keys sorted)."""
    return _ENCODER.encode({"format": FORMAT, **_encode(body)})


def from_json(kind: ActionKind, text: str) -> ActionBody:
    """Decode a stored body of ``kind``, written by this code or by an older one."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise UnreadableAction(f"a stored {kind.value} body is not a JSON object: {text[:80]!r}")
    found = data.get("format", _UNVERSIONED)
    if found not in (_UNVERSIONED, FORMAT):
        raise UnreadableAction(
            f"a stored {kind.value} body has format {found!r}, and this version of syncd reads "
            f"formats up to {FORMAT}: run the syncd version that wrote it, or a newer one"
        )
    try:
        return _DECODERS[kind](data)
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableAction(
            f"a stored {kind.value} body cannot be read ({error!r}): {text[:80]!r}"
        ) from error


def _encode(body: ActionBody) -> dict[str, JsonValue]:
    if isinstance(body, ContactSync):
        return _encode_contact(body)
    if isinstance(body, TaskCreate):
        return {
            "rule": body.rule,
            "team": body.team,
            "owner_chain": list(body.owner_chain),
            "subject": body.subject,
            "body": body.body,
            "priority": body.priority.value,
            "due_at": body.due_at.isoformat(),
        }
    if isinstance(body, LoopClosedMark):
        closed = None if body.closed_at is None else body.closed_at.isoformat()
        return {"contact_id": body.contact_id, "closed_at": closed}
    edit: dict[str, JsonValue] = {
        "subject": body.subject,
        "body": body.body,
        "priority": None if body.priority is None else body.priority.value,
    }
    # Written only when set, so a content update's stored text is what it always was.
    for name in ("target", "owner", "task_id"):
        if (value := getattr(body, name)) is not None:
            edit[name] = value
    return edit


def _encode_contact(sync: ContactSync) -> dict[str, JsonValue]:
    who, nps = sync.respondent, sync.fields
    return {
        "email": who.email,
        "external_id": who.external_id,
        "person_id": who.person_id,
        "score": nps.score,
        "category": nps.category.value,
        "responded_at": nps.responded_at.isoformat(),
        "comment": nps.comment,
        "link": nps.link,
        "survey": nps.survey,
        "source": nps.source,
    }


def _decode_contact(data: Fields) -> ContactSync:
    # Format 1 rows from before every identifier was kept carry the email only.
    return ContactSync(
        respondent=Respondent(
            _text(data, "email"), _text(data, "external_id"), _text(data, "person_id")
        ),
        fields=NpsFields(
            score=int(_required(data, "score")),
            category=NpsCategory(_required(data, "category")),
            responded_at=datetime.fromisoformat(_required(data, "responded_at")),
            comment=_text(data, "comment"),
            link=_text(data, "link"),
            survey=_text(data, "survey"),
            source=_text(data, "source"),
        ),
    )


def _decode_create(data: Fields) -> TaskCreate:
    chain = data["owner_chain"]
    if not isinstance(chain, list):
        raise TypeError(f"owner_chain is not a list: {chain!r}")
    return TaskCreate(
        rule=_required(data, "rule"),
        team=_text(data, "team"),
        owner_chain=tuple(str(strategy) for strategy in chain),
        subject=_required(data, "subject"),
        body=_required(data, "body"),
        priority=Priority(_required(data, "priority")),
        due_at=datetime.fromisoformat(_required(data, "due_at")),
    )


def _decode_edit(data: Fields) -> TaskEdit:
    # Format 1 update rows carry the whole task; only what an update sends is kept. An
    # escalation leaves subject and body null; a content update always has both.
    priority = _text(data, "priority")
    return TaskEdit(
        subject=_text(data, "subject"),
        body=_text(data, "body"),
        priority=None if priority is None else Priority(priority),
        target=_text(data, "target"),
        owner=_text(data, "owner"),
        task_id=_text(data, "task_id"),
    )


def _decode_mark(data: Fields) -> LoopClosedMark:
    closed = _text(data, "closed_at")
    return LoopClosedMark(
        contact_id=_required(data, "contact_id"),
        closed_at=None if closed is None else datetime.fromisoformat(closed),
    )


_DECODERS: dict[ActionKind, Callable[[Fields], ActionBody]] = {
    ActionKind.SYNC_CONTACT: _decode_contact,
    ActionKind.CREATE_TASK: _decode_create,
    ActionKind.UPDATE_TASK: _decode_edit,
    ActionKind.MARK_LOOP: _decode_mark,
}


def _text(data: Fields, name: str) -> str | None:
    value = data.get(name)
    return None if value is None else str(value)


def _required(data: Fields, name: str) -> str:
    value = data[name]
    if value is None or isinstance(value, (list, dict)):
        raise TypeError(f"{name} is {value!r}")
    return str(value)
