"""The outbox codec: typed bodies round-trip, and rows written before bodies were typed decode."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, update

from syncd.actions import (
    ActionBody,
    ActionKind,
    ContactSync,
    LoopClosedMark,
    TaskCreate,
    TaskEdit,
)
from syncd.model import NpsCategory, NpsFields, Priority, Respondent
from syncd.store import outbox
from syncd.store.action_codec import FORMAT, UnreadableAction, from_json, to_json
from syncd.store.outbox import NewAction
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
DUE = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)

SYNC = ContactSync(
    Respondent("Ann@X.example", "C-42", "p-7"),
    NpsFields(3, NpsCategory.DETRACTOR, AT, "slow", "https://s/r1", "nps", "delighted"),
)
CREATE = TaskCreate(
    "detractors", "Support", ("team_contact_owner", "least_open"), "S", "B", Priority.HIGH, DUE
)
EDIT = TaskEdit("S2", "B2", Priority.LOW)
MARK = LoopClosedMark("c-17", AT)
#: A reopened loop clears the contact's loop-closed time.
CLEAR = LoopClosedMark("c-17", None)

#: Exactly what plan wrote before bodies were typed (a flat dict per kind, no format number).
OLD_CONTACT = {
    "email": "Ann@X.example",
    "external_id": "C-42",
    "person_id": "p-7",
    "score": 3,
    "category": "detractor",
    "comment": "slow",
    "responded_at": AT.isoformat(),
    "link": "https://s/r1",
    "survey": "nps",
    "source": "delighted",
}
OLD_TASK = {
    "rule": "detractors",
    "team": "Support",
    "owner_chain": ["team_contact_owner", "least_open"],
    "priority": "high",
    "due_at": DUE.isoformat(),
    "subject": "S",
    "body": "B",
}


@pytest.mark.parametrize("value", [SYNC, CREATE, EDIT, MARK, CLEAR])
def test_every_kind_round_trips(value: ActionBody) -> None:
    text = to_json(value)
    assert json.loads(text)["format"] == FORMAT
    assert from_json(value.kind, text) == value


def test_the_stored_text_is_the_one_earlier_releases_wrote() -> None:
    # Sorted keys, default separators, non-ASCII escaped: byte for byte what is already stored.
    text = to_json(TaskEdit("Café", "B2", Priority.LOW))
    assert text == '{"body": "B2", "format": 2, "priority": "low", "subject": "Caf\\u00e9"}'


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        (ActionKind.SYNC_CONTACT, OLD_CONTACT, SYNC),
        (ActionKind.CREATE_TASK, OLD_TASK, CREATE),
        # An update row carried the whole task; only what an update sends is kept.
        (ActionKind.UPDATE_TASK, OLD_TASK, TaskEdit("S", "B", Priority.HIGH)),
    ],
)
def test_rows_in_the_old_dict_format_decode(
    kind: ActionKind, row: dict[str, object], expected: ActionBody
) -> None:
    assert from_json(kind, json.dumps(row, sort_keys=True)) == expected


def test_an_old_contact_row_from_before_ids_were_kept_decodes_with_the_email_only() -> None:
    row = {k: v for k, v in OLD_CONTACT.items() if k not in ("external_id", "person_id")}
    decoded = from_json(ActionKind.SYNC_CONTACT, json.dumps(row))
    assert isinstance(decoded, ContactSync)
    assert decoded.respondent == Respondent("Ann@X.example", None, None)


def test_a_newer_format_is_refused_with_what_to_do() -> None:
    text = json.dumps({**OLD_TASK, "format": FORMAT + 1})
    with pytest.raises(UnreadableAction, match=f"format {FORMAT + 1}.*newer one"):
        from_json(ActionKind.CREATE_TASK, text)


def test_a_damaged_row_names_its_kind_and_what_is_wrong() -> None:
    damaged = json.dumps({k: v for k, v in OLD_TASK.items() if k != "due_at"})
    with pytest.raises(UnreadableAction, match=r"create_task .*'due_at'"):
        from_json(ActionKind.CREATE_TASK, damaged)


def test_a_pending_row_written_by_older_code_is_claimed_as_a_typed_body(engine: Engine) -> None:
    action = NewAction(
        key="d:r1:sync_contact",
        crm="crm",
        source="d",
        response_id="r1",
        version=1,
        payload=body(ActionKind.SYNC_CONTACT),
    )
    with engine.begin() as conn:
        outbox.enqueue(conn, action, 0)
        conn.execute(update(outbox_table).values(payload=json.dumps(OLD_CONTACT, sort_keys=True)))
        (claimed,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 0, 1000)
    assert claimed.payload == SYNC
