"""``one_of``: the same rows as an ``IN`` list, one statement text, and the index still used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Column, Engine, event, select, text

from syncd.store import keyed
from syncd.store.schema import contact_digests, cursors, loops
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


def test_the_statement_text_is_the_same_for_every_list_length(engine: Engine) -> None:
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
    reads = {sql for sql in texts if sql.lstrip().startswith("SELECT")}
    assert len(reads) == 1
    # Under psycopg's 4 KB limit for the statements whose parse it keeps.
    assert len(next(iter(reads))) < 4096


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            select(contact_digests.c.digest).where(
                contact_digests.c.crm == "hubspot",
                one_of(contact_digests.c.contact_id, ["c1", "c2"]),
            ),
            "USING INDEX sqlite_autoindex_contact_digests_1 (crm=? AND contact_id=?)",
        ),
        (
            select(loops.c.contact_id).where(
                loops.c.source == "d", one_of(loops.c.response_id, ["r1", "r2"])
            ),
            "USING INDEX sqlite_autoindex_loops_1 (source=? AND response_id=?)",
        ),
    ],
)
def test_sqlite_searches_the_index_once_a_value(engine: Engine, query: Any, index: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite; PostgreSQL may scan a tiny table")
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = " | ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert f"SEARCH {query.get_final_froms()[0].name} {index}" in plan
    assert "SCAN loops" not in plan and "SCAN contact_digests" not in plan
