"""SQLite statements stay small: each prepared one is kept in its connection's cache for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from syncd.store.engine import SQLITE_ROWS_PER_INSERT, migrate, open_engine
from syncd.store.schema import cursors, outbox
from syncd.store.upsert import insert_ignore_many


def test_a_many_row_insert_goes_to_sqlite_in_statements_of_a_bounded_row_count(
    tmp_path: Path,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    rows_per_insert: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO cursors"):
            rows_per_insert.append(statement.count("), (") + 1)

    rows = [{"name": f"c{n}", "watermark_ms": n, "updated_ms": n} for n in range(250)]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as conn:
            inserted = insert_ignore_many(conn, cursors, rows)
            stored = conn.execute(select(func.count()).select_from(cursors)).scalar_one()
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    assert len(inserted) == stored == 250
    # A 1,000-row INSERT held 1.6 MB prepared, and every batch's odd-sized tail was another one.
    assert sum(rows_per_insert) == 250
    assert max(rows_per_insert) <= SQLITE_ROWS_PER_INSERT < 250


def test_many_row_inserts_of_any_row_count_share_a_few_statement_texts(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    texts: set[str] = set()

    def collect(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO outbox"):
            texts.add(statement)

    rows = [_outbox_row(n) for n in range(sum(range(1, 2 * SQLITE_ROWS_PER_INSERT + 1)))]
    event.listen(engine, "before_cursor_execute", collect)
    try:
        with engine.begin() as conn:
            start = inserted = 0
            # Batches of every size from 1 to 200 rows, as plan batches come.
            for size in range(1, 2 * SQLITE_ROWS_PER_INSERT + 1):
                batch = rows[start : start + size]
                inserted += len(insert_ignore_many(conn, outbox, batch, (outbox.c.key,)))
                start += size
            stored = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    finally:
        event.remove(engine, "before_cursor_execute", collect)
        engine.dispose()
    assert inserted == stored == len(rows)
    # Every text stays prepared in each pooled connection's cache (128 statements, about 1.3 kB
    # a row): one text per tail length (1 to 99) grew the daemon through a whole backfill.
    assert len(texts) <= 8


def _outbox_row(n: int) -> dict[str, object]:
    return {
        "key": f"d:r{n}:sync_contact",
        "crm": "hubspot",
        "kind": "sync_contact",
        "source": "d",
        "response_id": f"r{n}",
        "version": n,
        "depends_on": None,
        "payload": "{}",
        "status": "pending",
        "attempts": 0,
        "next_attempt_ms": n,
        "created_ms": 1,
        "updated_ms": 1,
    }
