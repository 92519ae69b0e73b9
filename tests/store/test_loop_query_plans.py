"""Escalation and event sending read their own index, in order, never the whole table."""

from __future__ import annotations

from sqlalchemy import Engine

from syncd.store import escalations, events
from tests.store.test_query_plans import _plan_of


def test_overdue_loops_are_a_range_of_their_index(engine: Engine) -> None:
    plan = _plan_of(engine, escalations.overdue_query("hubspot", ["r1", "r2"], 1_000))
    assert "SEARCH loops USING INDEX ix_loops_overdue" in plan
    assert "TEMP B-TREE" not in plan

    later = _plan_of(engine, escalations.overdue_query("hubspot", ["r1"], 1_000, (5, "d", "x")))
    assert "SEARCH loops USING INDEX ix_loops_overdue" in later


def test_due_events_are_read_in_index_order(engine: Engine) -> None:
    plan = _plan_of(engine, events.due_query(1_000, 100))
    assert "SEARCH events USING INDEX ix_events_due" in plan
    assert "TEMP B-TREE" not in plan
