"""``INSERT ... ON CONFLICT DO NOTHING`` for both supported dialects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table
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
