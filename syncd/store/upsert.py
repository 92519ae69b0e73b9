"""``INSERT ... ON CONFLICT DO NOTHING`` for both supported dialects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from syncd.chunks import few_sized_chunks
from syncd.store.bulk_insert import shape_of
from syncd.store.engine import SQLITE_ROWS_PER_INSERT


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert unless a row with the same unique key exists; True when a row was inserted."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return conn.execute(statement).first() is not None


def insert_ignore_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[Column[Any]] = (),
) -> set[tuple[Any, ...]]:
    """``insert_ignore`` for many rows, a few statements in all; of each row inserted, the
    ``returning`` columns (default: the primary key).

    Rows must share their columns, and hold values the driver takes as they are (str, int,
    bool, None): the statement goes to the driver as text. The hot inserts of the store (a
    plan batch writes about 1,500 rows) spent more CPU in SQLAlchemy's per-row parameter
    handling, and on PostgreSQL in psycopg parsing each long multi-row statement anew, than
    the database spent storing the rows.
    """
    if not rows:
        return set()
    names = tuple(column.name for column in (returning or table.primary_key.columns))
    shape = shape_of(table, tuple(rows[0]), names)
    if conn.dialect.name == "postgresql":
        return _returned(conn, shape.postgresql_text(conn.dialect), shape.columns_of(rows))
    inserted: set[tuple[Any, ...]] = set()
    # sqlite3 keeps each text it prepares in the connection's cache (128 of them), at about
    # 1.3 kB a row: pages keep each statement small, and a batch's rest goes in pages of a power
    # of two, so a table has at most eight texts. A page for every tail length (1 to 99) filled
    # the cache of every pooled connection with up to 128 different inserts, and the daemon grew
    # through a whole backfill (16 MB of prepared statements after 250,000 answers).
    for page in few_sized_chunks(rows, SQLITE_ROWS_PER_INSERT):
        inserted |= _returned(conn, shape.sqlite_text(conn.dialect, len(page)), shape.flat(page))
    return inserted


def _returned(conn: Connection, text: str, parameters: tuple[Any, ...]) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in conn.exec_driver_sql(text, parameters)}
