"""One UPDATE statement for a whole batch of rows, each with its own values.

An executemany runs the statement once per row: on PostgreSQL each row is its own trip through
the server, on SQLite each row's parameters go through SQLAlchemy's Python. Here the batch's
values are bound as a table the UPDATE joins (``UPDATE ... FROM rows WHERE ...``), so a batch is
one statement and one round of parameter processing. The dialect switch lives here alone:

- PostgreSQL binds one array per column and reads them back with ``unnest``;
- SQLite binds one JSON array of rows and reads it with ``json_each``.

A statement written for ``BatchUpdate`` takes the rows table and states its fences as usual;
a row a fence turns away is not updated, exactly as under executemany.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    FromClause,
    String,
    bindparam,
    column,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.dml import Update
from sqlalchemy.types import TypeEngine

__all__ = ["BatchUpdate"]

#: A row's values, in the order of the ``BatchUpdate``'s columns.
Row = tuple[Any, ...]


class BatchUpdate:
    """An UPDATE of many rows with per-row values, one statement per batch on either dialect.

    ``columns`` name and type the per-row values; ``build`` receives them as a table (``rows``)
    and returns the UPDATE, which is built once per dialect and reused. Rows are unique on their
    first ``key_width`` values: under executemany a later row with the same key ran after the
    earlier one, and a join updates a target row once, so the row that would have won is kept
    (the last, or the first when ``first_wins``: the statement's fence turns later ones away).
    """

    def __init__(
        self,
        columns: Mapping[str, TypeEngine[Any]],
        build: Callable[[FromClause], Update],
        *,
        key_width: int = 1,
        first_wins: bool = False,
    ) -> None:
        self._columns = dict(columns)
        self._build = build
        self._key_width = key_width
        self._first_wins = first_wins
        self._statements: dict[str, Update] = {}

    def execute(
        self, conn: Connection, rows: Sequence[Row], **values: Any
    ) -> CursorResult[Any] | None:
        """Run the update over ``rows``, with ``values`` bound by name (the batch's constants).

        None, and nothing run, when there are no rows.
        """
        if not rows:
            return None
        dialect = conn.dialect.name
        params = self._params(dialect, self._unique(rows))
        return conn.execute(self.statement(dialect), {**params, **values})

    def statement(self, dialect: str) -> Update:
        """The UPDATE as run on ``dialect`` (built on first use)."""
        statement = self._statements.get(dialect)
        if statement is None:
            statement = self._statements[dialect] = self._build(self._rows_table(dialect))
        return statement

    def _unique(self, rows: Sequence[Row]) -> Sequence[Row]:
        ordered = reversed(rows) if self._first_wins else rows
        kept = {row[: self._key_width]: row for row in ordered}
        return rows if len(kept) == len(rows) else list(kept.values())

    def _rows_table(self, dialect: str) -> FromClause:
        if dialect == "postgresql":
            arrays = [
                bindparam(f"b_{name}", type_=ARRAY(kind)) for name, kind in self._columns.items()
            ]
            names = [column(name, kind) for name, kind in self._columns.items()]
            return func.unnest(*arrays).table_valued(*names).render_derived()
        each = func.json_each(bindparam("b_rows", type_=String)).table_valued("value")
        fields = [
            type_coerce(func.json_extract(each.c.value, f"$[{index}]"), kind).label(name)
            for index, (name, kind) in enumerate(self._columns.items())
        ]
        return select(*fields).select_from(each).subquery("rows")

    def _params(self, dialect: str, rows: Sequence[Row]) -> dict[str, Any]:
        if dialect == "postgresql":
            return {f"b_{name}": [row[i] for row in rows] for i, name in enumerate(self._columns)}
        return {"b_rows": json.dumps(rows)}
