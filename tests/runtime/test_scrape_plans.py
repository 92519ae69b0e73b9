"""The scrape-time gauges read indexes only: their cost is what they count, not the history."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from syncd.observability import store_views
from syncd.store.engine import migrate, open_engine

#: Each read, and the index that bounds it by what it counts (not merely one it can search).
READS: dict[str, tuple[Callable[[Connection], object], str]] = {
    "outbox depth": (
        lambda conn: store_views.outbox_depth(conn, "hubspot"),
        "ix_outbox_due (crm=? AND kind=? AND status=?)",
    ),
    "backlog": (store_views.backlog, "ix_inbox_to_plan (needs_plan=?)"),
    "overdue": (
        lambda conn: store_views.overdue(conn, "hubspot", int(time.time() * 1000)),
        "ix_loops_open_due (crm=? AND closed_ms=? AND due_ms<?)",
    ),
    "cursors": (
        lambda conn: store_views.cursor_updates(conn, ["source:a", "source:b"]),
        "sqlite_autoindex_cursors_1 (name=?)",
    ),
}


@pytest.fixture
def sqlite(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    migrate(engine)
    return engine


def _statements(engine: Engine, read: Callable[[Connection], object]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with engine.connect() as conn:
            read(conn)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


@pytest.mark.parametrize("name", sorted(READS))
def test_each_gauge_read_searches_an_index_and_scans_nothing(sqlite: Engine, name: str) -> None:
    read, index = READS[name]
    statements = _statements(sqlite, read)
    assert statements
    with sqlite.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plan = " | ".join(str(row[-1]) for row in rows)
            assert index in plan and "SCAN" not in plan, (name, plan)
