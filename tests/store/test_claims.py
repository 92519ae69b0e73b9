"""Claim lifecycle on SQLite and PostgreSQL: fencing, renewal, attempts that count sends."""

from __future__ import annotations

from sqlalchemy import Engine, select

from syncd.store import leases, outbox
from syncd.store.outbox import ActionKind, NewAction, Status
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body


def _create(response_id: str = "r1", version: int = 1) -> NewAction:
    return NewAction(
        key=f"d:{response_id}:create_task",
        crm="crm",
        source="d",
        response_id=response_id,
        version=version,
        payload=body(ActionKind.CREATE_TASK, version),
    )


def _row(engine: Engine) -> tuple[str, str | None, int, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                outbox_table.c.status,
                outbox_table.c.claimed_by,
                outbox_table.c.attempts,
                outbox_table.c.result,
            )
        ).one()
    return row.status, row.claimed_by, row.attempts, row.result


def _claim(engine: Engine, holder: str, now_ms: int) -> list[outbox.Action]:
    with engine.begin() as conn:
        return list(outbox.claim(conn, "crm", ActionKind.CREATE_TASK, holder, 10, now_ms, 1000))


def test_a_stalled_holder_cannot_record_after_another_took_the_claim_over(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _create(), 0)
    (stalled,) = _claim(engine, "replica-a", 0)
    (current,) = _claim(engine, "replica-b", 1500)  # a's lease ran out while it was stalled
    with engine.begin() as conn:
        assert not outbox.complete(conn, stalled, "task-from-a", 1600)
        assert not outbox.retry_later(conn, stalled, "late", 9999, now_ms=1600)
        assert not outbox.settle(conn, stalled, Status.DEAD, "late", 1600)
    assert _row(engine) == ("in_flight", "replica-b", 0, None)
    with engine.begin() as conn:
        assert outbox.complete(conn, current, "task-from-b", 1700)
    assert _row(engine) == ("done", None, 1, "task-from-b")


def test_a_holder_that_was_not_taken_over_records_even_after_its_lease(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _create(), 0)
    (action,) = _claim(engine, "replica-a", 0)
    with engine.begin() as conn:
        assert outbox.complete(conn, action, "task-1", 5000)
    assert _row(engine) == ("done", None, 1, "task-1")


def test_renewed_claims_are_not_taken_over(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _create("r1"), 0)
        outbox.enqueue(conn, _create("r2"), 0)
    assert len(_claim(engine, "replica-a", 0)) == 2
    with engine.begin() as conn:
        assert outbox.renew(conn, "replica-a", 1000, 900) == 2
        assert outbox.renew(conn, "replica-b", 1000, 900) == 0
    assert _claim(engine, "replica-b", 1500) == []
    assert len(_claim(engine, "replica-b", 2000)) == 2


def test_a_crash_loop_of_claims_uses_no_attempts(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, _create(), 0)
    now_ms = 0
    for _ in range(20):  # every life claims the row and dies before the CRM answers
        (action,) = _claim(engine, "host-a", now_ms)
        now_ms += 1500
    assert action.attempts == 1 and _row(engine)[2] == 0
    with engine.begin() as conn:
        assert outbox.retry_later(conn, action, "503", now_ms, now_ms=now_ms)
    (again,) = _claim(engine, "host-a", now_ms)
    assert again.attempts == 2


def test_a_claimed_create_that_never_answered_takes_newer_content(engine: Engine) -> None:
    # The CRM's create is idempotent on the key, so the resend carries the newest content and
    # updates a task the lost attempt may have made.
    newer = _create(version=2)
    with engine.begin() as conn:
        outbox.enqueue(conn, _create(), 0)
        outbox.claim(conn, "crm", ActionKind.CREATE_TASK, "host-a", 10, 0, 1000)
        assert outbox.release_all(conn, 10) == 1  # the holder died mid-send
        assert outbox.enqueue(conn, newer, 20) is outbox.Enqueued.REWRITTEN


def test_a_restarted_instance_renews_its_own_lease_at_once(engine: Engine) -> None:
    with engine.begin() as conn:
        assert leases.acquire(conn, "poll:d", "host-a", 60_000, 0)
        # host-a died and came back a second later under the same id
        assert leases.acquire(conn, "poll:d", "host-a", 60_000, 1000)
        assert not leases.acquire(conn, "poll:d", "host-b", 60_000, 2000)
        assert leases.renew(conn, "host-a", 60_000, 59_000) == 1
        assert not leases.acquire(conn, "poll:d", "host-b", 60_000, 61_000)
