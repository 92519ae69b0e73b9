"""A column "is one of these values", as one statement text whatever the number of values.

``column.in_(values)`` renders one placeholder per value, so every list length is a new
statement text: SQLAlchemy expands it in Python on every execution, on PostgreSQL psycopg parses
any text over 4 KB anew, in Python, every time (it caches only shorter ones), and SQLite
prepares each new length anew.

- PostgreSQL: ``column = ANY(%(values)s::TYPE[])``, the whole list one array parameter.
- SQLite: ``column IN (SELECT value FROM json_each(?))``, the whole list one JSON text.

Both texts are short and constant, and both are still served by the column's index (SQLite's
plan: tests/store/test_value_lists.py). The dialect is chosen when the statement is compiled,
so queries built without a connection (``latest_synced_query``, say) use it too.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, Dialect, String, TypeDecorator, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType
from sqlalchemy.types import Boolean


class _JsonList(TypeDecorator[list[Any]]):
    """A list sent as its JSON text: plain text, so a query plan can be read with it inline."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value)

    def process_literal_param(self, value: list[Any] | None, dialect: Dialect) -> str:
        return json.dumps(value)


class OneOf(ColumnElement[bool]):
    """``column`` equals one of ``values``; build it with :func:`one_of`.

    Holds the values twice, as an array parameter (PostgreSQL) and as a JSON one (SQLite): both
    take part in the cache key, so a cached compilation gets each call's own values.
    """

    __visit_name__ = "one_of"
    inherit_cache = True
    # SQLAlchemy declares it an instance attribute; its cache key walks these three.
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012
        ("column", InternalTraversal.dp_clauseelement),
        ("array", InternalTraversal.dp_clauseelement),
        ("packed", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    # A comparison, not a boolean column: SQLite must not get ``... = 1`` appended.
    _is_implicitly_boolean = True

    def __init__(self, column: ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.array: BindParameter[Any] = bindparam(None, values, type_=ARRAY(column.type))
        self.packed: BindParameter[Any] = bindparam(None, values, type_=_JsonList())


def one_of(column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``: one parameter holds them all, whatever their number."""
    return OneOf(column, list(values))


@compiles(OneOf)  # SQLite, and str() of a statement
def _packed(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(element.packed, **kw)}))"


@compiles(OneOf, "postgresql")
def _array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(element.array), **kw)
