""" "Column is one of these values", as one statement text whatever the number of values.

``column.in_(values)`` renders one placeholder per value, so every list length is a new
statement text: SQLAlchemy expands it in Python on every execution, and on PostgreSQL psycopg
parses any text over 4 KB anew, in Python, every time (it caches only shorter ones).

- PostgreSQL: ``column = ANY(%(values)s::TYPE[])``, the whole list one array parameter. The text
  is short and constant, so psycopg parses it once and the btree index still serves it.
- SQLite: today's expanding ``IN (?, ?, ...)`` list, which SQLite plans as an index search.

The dialect is chosen when the statement is compiled, so queries built without a connection
(``latest_synced_query``, say) use it too.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal, _TraverseInternalsType
from sqlalchemy.types import Boolean


class OneOf(ColumnElement[bool]):
    """``column`` equals one of ``values``; build it with :func:`one_of`.

    Holds the values twice, as an array parameter (PostgreSQL) and as an expanding one (the
    rest): both take part in the cache key, so a cached compilation gets each call's values.
    """

    __visit_name__ = "one_of"
    inherit_cache = True
    # SQLAlchemy declares it an instance attribute; its cache key walks these three.
    _traverse_internals: _TraverseInternalsType = [  # noqa: RUF012
        ("column", InternalTraversal.dp_clauseelement),
        ("array", InternalTraversal.dp_clauseelement),
        ("listed", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()
    # A comparison, not a boolean column: SQLite must not get ``... = 1`` appended.
    _is_implicitly_boolean = True

    def __init__(self, column: ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.array: BindParameter[Any] = bindparam(None, values, type_=ARRAY(column.type))
        self.listed: BindParameter[Any] = bindparam(None, values, type_=column.type, expanding=True)


def one_of(column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``: one array parameter on PostgreSQL, an ``IN`` list else."""
    return OneOf(column, list(values))


@compiles(OneOf)
def _listed(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.listed), **kw)


@compiles(OneOf, "postgresql")
def _array(element: OneOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(element.array), **kw)
