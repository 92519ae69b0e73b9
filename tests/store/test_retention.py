"""Retention prunes old history in batches and never what is still needed, on both databases."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from syncd.store.retention import (
    Cutoffs,
    ended_query,
    inbox_payloads_query,
    last_pruned_ms,
    mark_pruned,
    prune,
    resolved_query,
)
from syncd.store.schema import inbox, loops, outbox, quarantine

DAY = 86_400_000
NOW = 1_000 * DAY
OLD = NOW - 100 * DAY
RECENT = NOW - 10 * DAY
CUT = Cutoffs(NOW - 90 * DAY, NOW - 90 * DAY, NOW - 90 * DAY, NOW - 90 * DAY)


def _answer(conn: sa.Connection, rid: str, updated: int, *, needs_plan: bool = False) -> None:
    conn.execute(
        sa.insert(inbox).values(
            source="s",
            response_id=rid,
            version=1,
            planned_version=None if needs_plan else 1,
            needs_plan=needs_plan,
            score=3,
            category="detractor",
            email=f"{rid}@x.example",
            submitted_ms=updated,
            payload='{"answer": "' + rid + '"}',
            received_ms=updated,
            updated_ms=updated,
        )
    )
    conn.execute(
        sa.insert(loops).values(
            source="s",
            response_id=rid,
            crm="hubspot",
            category="detractor",
            score=3,
            response_ms=updated,
            updated_ms=updated,
        )
    )


def _action(conn: sa.Connection, rid: str, kind: str, status: str, updated: int) -> None:
    conn.execute(
        sa.insert(outbox).values(
            key=f"s:{rid}:{kind}",
            crm="hubspot",
            kind=kind,
            source="s",
            response_id=rid,
            version=1,
            payload="{}",
            status=status,
            attempts=1,
            next_attempt_ms=updated,
            created_ms=updated,
            updated_ms=updated,
        )
    )


def _quarantined(conn: sa.Connection, rid: str, created: int, resolved: int | None) -> None:
    conn.execute(
        sa.insert(quarantine).values(
            source="s",
            response_id=rid,
            stage="poll",
            reason_code="bad",
            reason="bad",
            payload="{}",
            created_ms=created,
            resolved_ms=resolved,
        )
    )


def _keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(outbox.c.key)).scalars())


def _payloads(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(inbox.c.response_id, inbox.c.payload))
        return {rid: payload for rid, payload in rows}


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        # Old and finished: everything prunable.
        _answer(conn, "old-done", OLD)
        _action(conn, "old-done", "sync_contact", "done", OLD)
        _action(conn, "old-done", "create_task", "done", OLD)
        # Old, but an update of it is still pending: nothing of it may go.
        _answer(conn, "old-busy", OLD)
        _action(conn, "old-busy", "create_task", "done", OLD)
        _action(conn, "old-busy", "update_task", "pending", OLD)
        # Old dead letter with what it skipped.
        _answer(conn, "old-dead", OLD)
        _action(conn, "old-dead", "sync_contact", "dead", OLD)
        _action(conn, "old-dead", "create_task", "skipped", OLD)
        # Old answer whose new version waits for the plan stage.
        _answer(conn, "old-replan", OLD, needs_plan=True)
        _action(conn, "old-replan", "create_task", "done", OLD)
        # Old quarantined action (an admin may replay it).
        _answer(conn, "old-held", OLD)
        _action(conn, "old-held", "sync_contact", "quarantined", OLD)
        # Recent and done: kept for its age.
        _answer(conn, "recent", RECENT)
        _action(conn, "recent", "create_task", "done", RECENT)
        _quarantined(conn, "q-old-resolved", OLD, OLD)
        _quarantined(conn, "q-old-open", OLD, None)
        _quarantined(conn, "q-recent-resolved", OLD, RECENT)


def test_prune_removes_old_history_and_keeps_what_is_still_needed(engine: Engine) -> None:
    _seed(engine)

    counts = prune(engine, CUT, batch=1000)

    assert (counts.outbox_done, counts.dead_letters, counts.quarantine_resolved) == (2, 2, 1)
    assert _keys(engine) == {
        "s:old-busy:create_task",
        "s:old-busy:update_task",
        "s:old-replan:create_task",
        "s:old-held:sync_contact",
        "s:recent:create_task",
    }
    payloads = _payloads(engine)
    assert payloads["old-done"] == payloads["old-dead"] == ""
    for kept in ("old-busy", "old-replan", "old-held", "recent"):
        assert payloads[kept].startswith("{"), kept
    assert counts.inbox_payloads == 2
    with engine.connect() as conn:
        left = set(conn.execute(sa.select(quarantine.c.response_id)).scalars())
        assert left == {"q-old-open", "q-recent-resolved"}
        # Loops are the metrics: every one stays, and every inbox row (the report's NPS counts).
        assert conn.execute(sa.select(sa.func.count()).select_from(loops)).scalar() == 6
        assert conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar() == 6


def test_a_dry_run_counts_the_same_and_changes_nothing(engine: Engine) -> None:
    _seed(engine)
    before = (_keys(engine), _payloads(engine))

    dry = prune(engine, CUT, batch=1000, dry_run=True)

    assert (_keys(engine), _payloads(engine)) == before
    assert dry == prune(engine, CUT, batch=1000)
    assert prune(engine, CUT, batch=1000).total() == 0  # nothing left to do


def test_batches_smaller_than_the_work_prune_all_of_it(engine: Engine) -> None:
    with engine.begin() as conn:
        for n in range(25):
            _answer(conn, f"r{n}", OLD)
            _action(conn, f"r{n}", "create_task", "done", OLD)

    counts = prune(engine, CUT, batch=4)

    assert (counts.inbox_payloads, counts.outbox_done) == (25, 25)
    assert _keys(engine) == set()


def test_a_stop_ends_the_run_between_batches(engine: Engine) -> None:
    with engine.begin() as conn:
        for n in range(10):
            _action(conn, f"r{n}", "create_task", "done", OLD)
    stop = threading.Event()
    stop.set()

    assert prune(engine, CUT, batch=2, stop=stop).total() == 0
    assert len(_keys(engine)) == 10


def test_the_last_run_is_shared_through_the_store(engine: Engine) -> None:
    with engine.begin() as conn:
        assert last_pruned_ms(conn) is None
        mark_pruned(conn, 5)
        mark_pruned(conn, 7)
    with engine.connect() as conn:
        assert last_pruned_ms(conn) == 7


def _plan(engine: Engine, query: Any) -> str:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite")
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))
        return " | ".join(str(row[-1]) for row in rows)


def test_finding_payloads_to_prune_reads_the_partial_index(engine: Engine) -> None:
    plan = _plan(engine, inbox_payloads_query(OLD).limit(1000))

    assert "USING INDEX ix_inbox_payload_kept" in plan
    assert "SCAN inbox" not in plan.replace("SCAN inbox USING INDEX", "")
    assert "USING INDEX ix_outbox_response" in plan


def test_ended_actions_and_resolved_items_are_found_through_their_indexes(engine: Engine) -> None:
    ended = _plan(engine, ended_query(("dead", "skipped"), OLD).limit(1000))
    assert "SEARCH outbox USING INDEX ix_outbox_updated (updated_ms<?)" in ended
    resolved = _plan(engine, resolved_query(OLD).limit(1000))
    assert "INDEX ix_quarantine_resolved (resolved_ms>? AND resolved_ms<?)" in resolved
