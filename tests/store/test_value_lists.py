"""``one_of``: the same rows as an ``IN`` list, and one statement text on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Column, Engine, event, select

from syncd.store import keyed
from syncd.store.schema import cursors
from syncd.store.value_lists import one_of

_WANTED: list[Sequence[Any]] = [[], ["c3"], ["c1", "c4", "absent"], ["c2", "c2", "c0"]]


def _seed(engine: Engine) -> None:
    rows = [{"name": f"c{n}", "watermark_ms": n * 10, "updated_ms": n} for n in range(6)]
    with engine.begin() as conn:
        conn.execute(cursors.insert(), rows)


def _found(engine: Engine, column: Column[Any], condition: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(column).where(condition).order_by(column)).scalars())


def test_one_of_finds_what_an_in_list_finds(engine: Engine) -> None:
    _seed(engine)
    # Run one after the other: a cached compilation must still get each call's own values.
    for wanted in _WANTED:
        assert _found(engine, cursors.c.name, one_of(cursors.c.name, wanted)) == _found(
            engine, cursors.c.name, cursors.c.name.in_(wanted)
        )
    for numbers in ([], [20], [0, 30, 30, 999]):
        assert _found(engine, cursors.c.name, one_of(cursors.c.watermark_ms, numbers)) == _found(
            engine, cursors.c.name, cursors.c.watermark_ms.in_(numbers)
        )


def test_the_postgresql_statement_text_is_the_same_for_every_list_length(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps its IN list: it plans it as an index search")
    texts: set[str] = set()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "contact_digests" in statement:
            texts.add(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as conn:
            keyed.set_digests(conn, "hubspot", {"c1": "d1", "c7": "d7"}, 0)
            for size in (1, 3, 700):
                wanted = {f"c{n}" for n in range(size)}
                assert keyed.digests(conn, "hubspot", wanted) == {
                    key: value for key, value in {"c1": "d1", "c7": "d7"}.items() if key in wanted
                }
    finally:
        event.remove(engine, "before_cursor_execute", record)
    reads = {text for text in texts if text.lstrip().startswith("SELECT")}
    assert len(reads) == 1
    # Under psycopg's 4 KB limit for the statements whose parse it keeps.
    assert len(next(iter(reads))) < 4096
