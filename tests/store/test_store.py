"""The store's invariants, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from syncd.model import SurveyResponse, TaskChange, TaskState
from syncd.store import cursors, inbox, leases, loops, outbox
from syncd.store.action_codec import from_json
from syncd.store.outbox import ActionKind, Enqueued, NewAction, Status
from syncd.store.schema import loops as loops_table
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _response(version: int, comment: str | None = None) -> SurveyResponse:
    return SurveyResponse(
        source="d",
        response_id="r1",
        version=version,
        score=3,
        submitted_at=T0,
        updated_at=T0,
        email="a@x.example",
        comment=comment,
    )


def test_inbox_keeps_only_newer_versions(engine: Engine) -> None:
    with engine.begin() as conn:
        assert inbox.store_response(conn, _response(10), 1)
        assert not inbox.store_response(conn, _response(10), 2)  # redelivery: no change
        assert not inbox.store_response(conn, _response(5), 3)  # older version: ignored
        assert inbox.store_response(conn, _response(11, "late comment"), 4)
        pending = inbox.unplanned(conn, 10)
    assert [(r.version, r.comment) for r in pending] == [(11, "late comment")]


def test_planned_response_is_not_returned_until_a_newer_version(engine: Engine) -> None:
    with engine.begin() as conn:
        inbox.store_response(conn, _response(10), 1)
        inbox.mark_planned(conn, _response(10))
        assert inbox.unplanned(conn, 10) == []
        inbox.store_response(conn, _response(12), 2)
        assert len(inbox.unplanned(conn, 10)) == 1


def test_cursor_never_moves_backwards(engine: Engine) -> None:
    with engine.begin() as conn:
        cursors.advance(conn, "c", 1000, 1)
        cursors.advance(conn, "c", 500, 2)
        assert cursors.get_watermark(conn, "c") == 1000
        cursors.advance(conn, "c", 2000, 3)
        assert cursors.get_watermark(conn, "c") == 2000


def _new(kind: ActionKind, version: int, depends_on: str | None = None) -> NewAction:
    return NewAction(
        key=f"d:r1:{kind.value}",
        crm="crm",
        source="d",
        response_id="r1",
        version=version,
        payload=body(kind, version),
        depends_on=depends_on,
    )


def test_outbox_dedupes_on_key_and_rewrites_newer_versions(engine: Engine) -> None:
    with engine.begin() as conn:
        assert outbox.enqueue(conn, _new(ActionKind.SYNC_CONTACT, 1), 0) is Enqueued.INSERTED
        assert outbox.enqueue(conn, _new(ActionKind.SYNC_CONTACT, 1), 0) is Enqueued.UNCHANGED
        assert outbox.enqueue(conn, _new(ActionKind.SYNC_CONTACT, 2), 0) is Enqueued.REWRITTEN
        rows = conn.execute(select(outbox_table.c.payload)).scalars().all()
    assert [from_json(ActionKind.SYNC_CONTACT, row) for row in rows] == [
        body(ActionKind.SYNC_CONTACT, 2)
    ]


def test_done_create_is_frozen_so_later_content_goes_out_as_update(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 0, 1000)
        outbox.complete(conn, action, "task-1", 1)
        assert outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 2), 2) is Enqueued.FROZEN
        assert outbox.result_of(conn, action.key) == "task-1"


def test_create_retrying_after_unknown_outcome_takes_newer_content(engine: Engine) -> None:
    # The create is idempotent on its key: the retry carries the late comment and updates the
    # task an earlier attempt may have made, instead of a second action racing it.
    with engine.begin() as conn:
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 0, 1000)
        outbox.retry_later(conn, action, "timed out", 5, now_ms=1)
        assert outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 2), 2) is Enqueued.REWRITTEN
        (again,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 5, 1000)
    assert again.version == 2 and again.payload == body(ActionKind.CREATE_TASK, 2)


def test_create_rewritten_in_flight_is_sent_again_not_done(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 0, 1000)
        assert outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 2), 1) is Enqueued.REWRITTEN
        outbox.complete(conn, action, "task-1", 2)  # the answer to version 1 arrives
        (again,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 3, 1000)
        assert again.version == 2
        outbox.complete(conn, again, "task-1", 4)
        assert outbox.result_of(conn, action.key) == "task-1"


def test_dependency_blocks_claim_until_done(engine: Engine) -> None:
    sync = _new(ActionKind.SYNC_CONTACT, 1)
    with engine.begin() as conn:
        outbox.enqueue(conn, sync, 0)
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1, depends_on=sync.key), 0)
        assert outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 0, 1000) == []
        (action,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 0, 1000)
        outbox.complete(conn, action, "c1", 1)
        assert len(outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 1, 1000)) == 1


def test_expired_lease_is_reclaimed(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1), 0)
        outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "dead-replica", 10, 0, 1000)
        assert outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 500, 1000) == []
        (again,) = outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "me", 10, 1500, 1000)
    # The dead replica never recorded an outcome: its claim was not an attempt.
    assert again.attempts == 1


def test_settling_skips_dependents(engine: Engine) -> None:
    sync = _new(ActionKind.SYNC_CONTACT, 1)
    create = _new(ActionKind.CREATE_TASK, 1, depends_on=sync.key)
    with engine.begin() as conn:
        outbox.enqueue(conn, sync, 0)
        outbox.enqueue(conn, create, 0)
        outbox.enqueue(conn, _new(ActionKind.UPDATE_TASK, 2, depends_on=create.key), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 0, 1000)
        outbox.settle(conn, action, Status.QUARANTINED, "unknown contact", 1)
        statuses = dict(conn.execute(select(outbox_table.c.kind, outbox_table.c.status)).all())
    assert statuses == {
        "sync_contact": "quarantined",
        "create_task": "skipped",
        "update_task": "skipped",
    }


def test_newer_version_during_flight_is_delivered_again(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _new(ActionKind.SYNC_CONTACT, 1), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 0, 1000)
        outbox.enqueue(conn, _new(ActionKind.SYNC_CONTACT, 2), 1)
        outbox.complete(conn, action, "c1", 2)
        (again,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 3, 1000)
    assert again.version == 2


def test_lease_is_exclusive_until_expiry(engine: Engine) -> None:
    with engine.begin() as conn:
        assert leases.acquire(conn, "poll:d", "a", 1000, 0)
        assert not leases.acquire(conn, "poll:d", "b", 1000, 500)
        assert leases.acquire(conn, "poll:d", "a", 1000, 900)  # renew
        assert leases.acquire(conn, "poll:d", "b", 1000, 2500)  # expired: taken over


def test_task_changes_stamp_the_loop_and_ignore_stale_reads(engine: Engine) -> None:
    key = _response(1).key
    start = loops.LoopStart(
        key=key,
        crm="crm",
        category="detractor",
        score=3,
        email="a@x.example",
        response_ms=0,
        rule="r",
        team="Support",
        priority="high",
        due_ms=10_000,
    )
    t = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    later = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    with engine.begin() as conn:
        loops.open_loop(conn, start, 0)
        loops.set_task(conn, key, "t1", "o1", "least_open", 5)
        assert loops.apply_change(conn, "crm", TaskChange("t1", TaskState.IN_PROGRESS, t), 6)
        done = TaskChange("t1", TaskState.COMPLETED, later, completed_at=later)
        assert loops.apply_change(conn, "crm", done, 7)
        # A stale index read of the earlier state must not reopen the loop.
        assert loops.apply_change(conn, "crm", TaskChange("t1", TaskState.IN_PROGRESS, t), 8)
        assert not loops.apply_change(conn, "crm", TaskChange("other", TaskState.OPEN, t), 9)
        row = conn.execute(select(loops_table)).one()
    assert row.first_touch_ms == int(t.timestamp() * 1000)
    assert row.closed_ms == int(later.timestamp() * 1000)
    assert row.task_state == "completed"


def test_never_attempted_skipped_create_is_rewritten_not_frozen(engine: Engine) -> None:
    sync = _new(ActionKind.SYNC_CONTACT, 1)
    with engine.begin() as conn:
        outbox.enqueue(conn, sync, 0)
        outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 1, depends_on=sync.key), 0)
        (action,) = outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, "me", 10, 0, 1000)
        outbox.settle(conn, action, Status.QUARANTINED, "unknown contact", 1)
        # A later comment on the same answer: the create was never tried, so it is rewritten
        # (no update_task waiting forever on a skipped create).
        assert outbox.enqueue(conn, _new(ActionKind.CREATE_TASK, 2, sync.key), 2) is (
            Enqueued.REWRITTEN
        )
