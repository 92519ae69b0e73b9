"""The hot queries read their own index, in order, instead of scanning or sorting a table.

Checked on SQLite's query plan: the cost of a claim, of finding work to plan and of skipping
dependents must be the size of the batch, not of the store.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, Select, Update, text

from syncd.store import inbox, loop_links, outbox, outbox_batch, outbox_claims, outbox_outcomes
from syncd.store.batch_rows import BatchUpdate
from syncd.store.outbox import ActionKind


def _plan_of(engine: Engine, query: Select[Any] | Update) -> str:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite; PostgreSQL may scan a tiny table")
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        return " | ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))


def test_a_claim_reads_due_rows_in_index_order_without_sorting(engine: Engine) -> None:
    plan = _plan_of(engine, outbox.due_query("hubspot", ActionKind.CREATE_TASK, 1_000, 100))

    assert "SEARCH outbox USING INDEX ix_outbox_due" in plan
    assert "TEMP B-TREE" not in plan  # no sort of every due row before the LIMIT


def test_finding_responses_to_plan_reads_the_plan_queue_without_sorting(engine: Engine) -> None:
    plan = _plan_of(engine, inbox.unplanned_query(500))

    assert "SEARCH inbox USING INDEX ix_inbox_to_plan" in plan
    assert "TEMP B-TREE" not in plan


def test_dependents_are_found_through_their_index(engine: Engine) -> None:
    plan = _plan_of(engine, outbox.dependents_query(["d:r1:sync_contact"]))

    assert "USING INDEX ix_outbox_depends_on" in plan


@pytest.mark.parametrize(
    ("batch", "index"),
    [
        (outbox_claims._LEASE, "USING INTEGER PRIMARY KEY"),
        (outbox_batch._COMPLETE, "USING INTEGER PRIMARY KEY"),
        (outbox_batch._SETTLE, "USING INTEGER PRIMARY KEY"),
        (outbox_outcomes._SKIP, "sqlite_autoindex_outbox_1 (key=?)"),
        (loop_links._SET_CONTACT, "sqlite_autoindex_loops_1 (source=? AND response_id=?)"),
        (loop_links._SET_TASK, "sqlite_autoindex_loops_1 (source=? AND response_id=?)"),
        (inbox._MARK_PLANNED, "sqlite_autoindex_inbox_1 (source=? AND response_id=?)"),
    ],
)
def test_a_batch_update_finds_each_row_by_its_key(
    engine: Engine, batch: BatchUpdate, index: str
) -> None:
    # The batch's rows are the outer loop; each finds its row by key, never by a scan.
    plan = _plan_of(engine, batch.statement(engine.dialect.name))

    assert index in plan
    assert "SCAN outbox" not in plan and "SCAN loops" not in plan and "SCAN inbox" not in plan
