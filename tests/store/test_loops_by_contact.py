"""The newest answer already linked to each contact, read per batch from an index."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from syncd.model import ResponseKey
from syncd.store import loops
from syncd.store.loops import LoopStart


def _linked(engine: Engine, response_id: str, crm: str, contact_id: str, at_ms: int) -> None:
    key = ResponseKey("d", response_id)
    start = LoopStart(key, crm, "detractor", 3, None, at_ms, None, None, None, None)
    with engine.begin() as conn:
        loops.open_loop(conn, start, 0)
        loops.set_contact(conn, key, contact_id, None, 0)


def test_latest_synced_is_per_contact_and_per_crm(engine: Engine) -> None:
    _linked(engine, "r1", "hubspot", "c1", 1_000)
    _linked(engine, "r2", "hubspot", "c1", 3_000)
    _linked(engine, "r3", "hubspot", "c2", 2_000)
    _linked(engine, "r4", "other-crm", "c3", 9_000)

    with engine.connect() as conn:
        latest = loops.latest_synced_ms(conn, "hubspot", {"c1", "c2", "c3", "c4"})

    assert latest == {"c1": 3_000, "c2": 2_000}


def test_latest_synced_reads_the_contact_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite; PostgreSQL may scan a tiny table")
    query = loops.latest_synced_query("hubspot", ["c1", "c2"])
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "USING COVERING INDEX ix_loops_contact" in plan
