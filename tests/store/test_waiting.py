"""Dependents wait in a status of their own until their dependency is done (``readiness``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, select, update

from syncd.store import outbox, readiness
from syncd.store.engine import alembic_config, migrate, open_engine
from syncd.store.outbox import ActionKind, NewAction, Status
from syncd.store.outbox_batch import complete_all
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body

LEASE_MS = 60_000


def _pair(response_id: str) -> list[NewAction]:
    contact = f"d:{response_id}:sync_contact"
    return [
        NewAction(contact, "crm", "d", response_id, 1, body(ActionKind.SYNC_CONTACT)),
        NewAction(
            f"d:{response_id}:create_task",
            "crm",
            "d",
            response_id,
            1,
            body(ActionKind.CREATE_TASK),
            depends_on=contact,
        ),
    ]


def _status(conn: Connection, key: str) -> str:
    return str(
        conn.execute(select(outbox_table.c.status).where(outbox_table.c.key == key)).scalar()
    )


def _claim(conn: Connection, kind: ActionKind, now_ms: int = 1_000) -> list[outbox.Action]:
    return list(outbox.claim(conn, "crm", kind, "me", 500, now_ms, LEASE_MS))


def test_a_task_waits_for_its_contact_and_goes_once_the_contact_is_done(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue_all(conn, _pair("r1"), 0)
        assert _status(conn, "d:r1:create_task") == Status.WAITING
        assert _claim(conn, ActionKind.CREATE_TASK) == []
        (contact,) = _claim(conn, ActionKind.SYNC_CONTACT)
        assert outbox.complete(conn, contact, "c-1", 2_000)
        assert _status(conn, "d:r1:create_task") == Status.PENDING
        assert [a.key for a in _claim(conn, ActionKind.CREATE_TASK, 3_000)] == ["d:r1:create_task"]


def test_a_batch_completion_releases_the_dependents_of_what_it_completed(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue_all(conn, [*_pair("r1"), *_pair("r2")], 0)
        contacts = _claim(conn, ActionKind.SYNC_CONTACT)
        complete_all(conn, [(contacts[0], "c-1")], 2_000)  # r2's contact is still in flight
        assert _status(conn, "d:r1:create_task") == Status.PENDING
        assert _status(conn, "d:r2:create_task") == Status.WAITING


def test_a_task_planned_after_its_contact_was_synced_may_go_at_once(engine: Engine) -> None:
    contact, task = _pair("r1")
    with engine.begin() as conn:
        outbox.enqueue(conn, contact, 0)
        outbox.complete(conn, _claim(conn, ActionKind.SYNC_CONTACT)[0], "c-1", 1_000)
        outbox.enqueue(conn, task, 2_000)  # a newer answer now asks for a task
        assert _status(conn, task.key) == Status.PENDING


def test_an_ending_contact_skips_its_waiting_task(engine: Engine) -> None:
    with engine.begin() as conn:
        outbox.enqueue_all(conn, _pair("r1"), 0)
        (contact,) = _claim(conn, ActionKind.SYNC_CONTACT)
        outbox.settle(conn, contact, Status.QUARANTINED, "no such contact", 2_000)
        assert _status(conn, "d:r1:create_task") == Status.SKIPPED


def test_a_task_that_missed_its_release_goes_after_the_next_sweep(engine: Engine) -> None:
    # Two connections racing (a plan storing the task while delivery completes its contact)
    # can each miss the other's row: the task is left waiting on a done contact.
    with engine.begin() as conn:
        outbox.enqueue_all(conn, _pair("r1"), 0)
        outbox.complete(conn, _claim(conn, ActionKind.SYNC_CONTACT)[0], "c-1", 1_000)
        conn.execute(
            update(outbox_table)
            .where(outbox_table.c.key == "d:r1:create_task")
            .values(status=Status.WAITING.value)
        )
        readiness.release_stranded(conn, "other-crm", 2_000)
        assert _status(conn, "d:r1:create_task") == Status.WAITING
        readiness.release_stranded(conn, "crm", 2_000)
        assert _status(conn, "d:r1:create_task") == Status.PENDING


def test_a_claim_never_walks_the_waiting_dependents(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite counts the steps of its virtual machine; PostgreSQL has no such count")

    def steps_to_claim_with(waiting: int) -> int:
        with engine.begin() as conn:
            actions = [a for n in range(waiting) for a in _pair(f"w{waiting}-{n}")]
            outbox.enqueue_all(conn, actions, 0)
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0

        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.set_progress_handler(count, 10)
            try:
                assert _claim(conn, ActionKind.CREATE_TASK) == []
            finally:
                raw.set_progress_handler(None, 10)
        return steps

    few, many = steps_to_claim_with(10), steps_to_claim_with(2_000)
    # Before dependents waited apart, the claim tested each of them: about 200 times the steps.
    assert many <= few * 2, (few, many)


def test_the_migration_lets_pending_dependents_of_unfinished_actions_wait(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0013")
        # As the code before it stored them: every new action pending.
        outbox.enqueue_all(conn, [*_pair("r1"), *_pair("r2")], 0)
        conn.execute(update(outbox_table).values(status=Status.PENDING.value))
        conn.execute(
            update(outbox_table)
            .where(outbox_table.c.key == "d:r2:sync_contact")
            .values(status=Status.DONE.value)
        )
    migrate(engine)
    with engine.connect() as conn:
        assert _status(conn, "d:r1:create_task") == Status.WAITING
        assert _status(conn, "d:r2:create_task") == Status.PENDING
        assert _status(conn, "d:r1:sync_contact") == Status.PENDING
    engine.dispose()
