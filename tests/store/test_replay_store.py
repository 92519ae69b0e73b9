"""Holding, dead-letter replay and quarantine filters, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from syncd.store import outbox, quarantine
from syncd.store.deadletters import DeadFilter, list_dead, replay_dead
from syncd.store.hold import hold
from syncd.store.outbox import ActionKind, NewAction, Status
from syncd.store.quarantine_admin import QuarantineFilter, list_items, replay_items, resolve_items
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body

CONTACT = "d:r1:sync_contact"
CREATE = "d:r1:create_task"


def _enqueue_pair(conn: Connection) -> None:
    for kind, depends_on in ((ActionKind.SYNC_CONTACT, None), (ActionKind.CREATE_TASK, CONTACT)):
        action = NewAction(
            key=f"d:r1:{kind.value}",
            crm="hubspot",
            source="d",
            response_id="r1",
            version=1,
            payload=body(kind),
            depends_on=depends_on,
        )
        outbox.enqueue(conn, action, 0)


def _row(conn: Connection, key: str) -> tuple[str, int]:
    row = conn.execute(
        select(outbox_table.c.status, outbox_table.c.attempts).where(outbox_table.c.key == key)
    ).one()
    return row.status, row.attempts


def _claim(conn: Connection, kind: ActionKind) -> outbox.Action:
    (action,) = outbox.claim(conn, "hubspot", kind, "me", 10, 1_000, 60_000)
    return action


def test_a_held_action_is_pending_again_with_its_attempt_given_back(engine: Engine) -> None:
    with engine.begin() as conn:
        _enqueue_pair(conn)
        hold(conn, _claim(conn, ActionKind.SYNC_CONTACT), "HubSpot 401", 2_000)
        assert _row(conn, CONTACT) == (Status.PENDING, 0)


def test_replaying_a_dead_action_revives_what_was_skipped_because_of_it(engine: Engine) -> None:
    with engine.begin() as conn:
        _enqueue_pair(conn)
        action = _claim(conn, ActionKind.SYNC_CONTACT)
        outbox.settle(conn, action, Status.DEAD, "HubSpot 400: INVALID_INTEGER", 2_000)
        assert _row(conn, CREATE)[0] == Status.SKIPPED
        assert list_dead(conn, DeadFilter(reason_contains="nope")) == []
        (letter,) = list_dead(conn, DeadFilter(kind="sync_contact", reason_contains="invalid_"))
        assert letter.key == CONTACT and letter.attempts == 1
        assert replay_dead(conn, DeadFilter(ids=(letter.id,)), 3_000) == [CONTACT, CREATE]
        assert _row(conn, CONTACT) == (Status.PENDING, 0)
        # the create waits for its contact again, then goes once the contact is synced
        assert _row(conn, CREATE) == (Status.WAITING, 0)
        assert list_dead(conn, DeadFilter()) == []
        (contact,) = outbox.claim(conn, "hubspot", ActionKind.SYNC_CONTACT, "me", 10, 4_000, 60_000)
        outbox.complete(conn, contact, "contact-1", 4_000)
        assert _row(conn, CREATE) == (Status.PENDING, 0)


def test_quarantine_filters_replay_and_resolve(engine: Engine) -> None:
    with engine.begin() as conn:
        _enqueue_pair(conn)
        action = _claim(conn, ActionKind.SYNC_CONTACT)
        outbox.settle(conn, action, Status.QUARANTINED, "no contact", 2_000)
        for stage, code, payload in (("deliver", "unknown_contact", CONTACT), ("poll", "x", "{")):
            quarantine.add(
                conn,
                source="d",
                response_id="r1",
                stage=stage,
                reason_code=code,
                reason=f"{code} here",
                payload=payload,
                now_ms=2_000,
            )
        assert len(list_items(conn, QuarantineFilter(since_ms=2_000))) == 2
        assert list_items(conn, QuarantineFilter(since_ms=2_001)) == []
        (unknown,) = list_items(conn, QuarantineFilter(reason_code="unknown_contact"))
        assert unknown.payload == CONTACT
        report = replay_items(conn, list_items(conn, QuarantineFilter()), 3_000)
        assert report.replayed == [CONTACT, CREATE]
        assert [item.stage for item, _ in report.left] == ["poll"]
        (left,) = list_items(conn, QuarantineFilter())
        assert resolve_items(conn, [left.id], 4_000) == 1
        assert list_items(conn, QuarantineFilter()) == []
        assert len(list_items(conn, QuarantineFilter(include_resolved=True))) == 2
