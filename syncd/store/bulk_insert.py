"""The text and parameters of a many-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING``.

Rendered once per table, columns and dialect (and, on SQLite, row count), then run as driver
SQL: SQLAlchemy's per-row parameter work is what made the store's bulk inserts costly.

- SQLite: one multi-row ``VALUES`` statement a page, parameters flattened row by row.
- PostgreSQL: one statement whatever the row count, each column sent as one array and read
  back with ``unnest``. Its text is short and constant, so psycopg parses it once and the
  server prepares it once; a 1,000-row ``VALUES`` text was parsed anew, in Python, every time.
  The arrays go in binary (``%b``): in text, psycopg escaped every quote of every JSON payload
  with a Python regular expression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table


@dataclass(frozen=True)
class InsertShape:
    """Which columns a bulk insert writes into ``table``, and which it returns.

    ``columns`` are the rows' own keys followed by the columns with a Python-side default that
    the rows leave out (``defaults`` holds their values), as SQLAlchemy would have filled them.
    """

    table: Table
    columns: tuple[str, ...]
    defaults: tuple[Any, ...]
    returning: tuple[str, ...]

    def flat(self, rows: Sequence[Mapping[str, Any]]) -> tuple[Any, ...]:
        """Every row's values in ``columns`` order, one after the other."""
        values = self._getter()
        return tuple(chain.from_iterable(values(row) + self.defaults for row in rows))

    def columns_of(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[Any], ...]:
        """One list per column of ``columns``: each column's values, in row order."""
        given = [list(values) for values in zip(*map(self._getter(), rows), strict=True)]
        return (*given, *([value] * len(rows) for value in self.defaults))

    def sqlite_text(self, dialect: Dialect, rows: int) -> str:
        """The statement inserting ``rows`` rows, ``?`` placeholders row by row."""
        return _sqlite_text(self, dialect, rows)

    def postgresql_text(self, dialect: Dialect) -> str:
        """The statement inserting any number of rows, one array parameter a column."""
        return _postgresql_text(self, dialect)

    def _getter(self) -> Any:
        given = len(self.columns) - len(self.defaults)
        return _tuple_getter(self.columns[:given])


def shape_of(table: Table, keys: tuple[str, ...], returning: tuple[str, ...]) -> InsertShape:
    """The shape of rows with ``keys`` going into ``table``; raises for a default it cannot fill."""
    return _shape_of(table, keys, returning)


@lru_cache(maxsize=64)
def _shape_of(table: Table, keys: tuple[str, ...], returning: tuple[str, ...]) -> InsertShape:
    filled: list[str] = []
    defaults: list[Any] = []
    for column in table.columns:
        default = column.default
        if column.name in keys or default is None:
            continue
        if not default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: rows must carry it (computed default)")
        filled.append(column.name)
        defaults.append(default.arg)  # type: ignore[attr-defined]
    return InsertShape(table, (*keys, *filled), tuple(defaults), returning)


@lru_cache(maxsize=64)
def _tuple_getter(names: tuple[str, ...]) -> Any:
    if len(names) == 1:  # itemgetter of one name gives the value, not a 1-tuple
        (name,) = names
        return lambda row: (row[name],)
    return itemgetter(*names)


@lru_cache(maxsize=512)
def _sqlite_text(shape: InsertShape, dialect: Dialect, rows: int) -> str:
    one = "(" + ", ".join("?" * len(shape.columns)) + ")"
    return _statement(shape, dialect, "VALUES " + ", ".join([one] * rows))


@lru_cache(maxsize=64)
def _postgresql_text(shape: InsertShape, dialect: Dialect) -> str:
    arrays = ", ".join(
        f"%b::{shape.table.c[name].type.compile(dialect=dialect)}[]" for name in shape.columns
    )
    return _statement(shape, dialect, f"SELECT * FROM unnest({arrays})")


def _statement(shape: InsertShape, dialect: Dialect, rows: str) -> str:
    quote = dialect.identifier_preparer.quote
    return (
        f"INSERT INTO {quote(shape.table.name)} ({', '.join(map(quote, shape.columns))}) "
        f"{rows} ON CONFLICT DO NOTHING RETURNING {', '.join(map(quote, shape.returning))}"
    )
