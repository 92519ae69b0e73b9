"""``INSERT ... ON CONFLICT DO NOTHING`` for both supported dialects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


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
    """``insert_ignore`` for many rows in one statement; of each row inserted, the ``returning``
    columns (default: the primary key).

    Rows must share their columns. The statement is built once per table and dialect, so the
    compiled form is reused from SQLAlchemy's cache batch after batch.
    """
    if not rows:
        return set()
    columns = returning or tuple(table.primary_key.columns)
    statement = _insert_ignoring(conn.dialect.name, table).returning(*columns)
    return {tuple(row) for row in conn.execute(statement, list(rows))}


def _insert_ignoring(dialect_name: str, table: Table) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()
