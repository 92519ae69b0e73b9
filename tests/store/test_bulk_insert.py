"""The many-row insert the store's hot paths use, sent as driver SQL: same rows as SQLAlchemy's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    create_mock_engine,
    event,
    select,
    text,
)

from syncd.store.bulk_insert import shape_of
from syncd.store.engine import SQLITE_ROWS_PER_INSERT
from syncd.store.schema import inbox, loops, outbox
from syncd.store.upsert import insert_ignore_many


def _outbox_row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "key": f"d:r{n}:sync_contact",
        "crm": "hubspot",
        "kind": "sync_contact",
        "source": "d",
        "response_id": f"r{n}",
        "version": 2**40 + n,  # past 32 bits: the column is BIGINT
        "depends_on": None,
        "payload": json.dumps({"comment": 'it\'s "quoted", a \\ and é', "n": n}),
        "status": "pending",
        "attempts": 0,
        "next_attempt_ms": 1_700_000_000_000 + n,
        "created_ms": 1,
        "updated_ms": 1,
    }
    return {**row, **changes}


def _stored(engine: Engine, names: list[str]) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.key))
        return [{name: row._mapping[name] for name in names} for row in rows]


def test_rows_are_stored_as_given_and_only_new_ones_are_returned(engine: Engine) -> None:
    rows = [_outbox_row(n) for n in range(2 * SQLITE_ROWS_PER_INSERT + 7)]
    with engine.begin() as conn:
        first = insert_ignore_many(conn, outbox, rows[:5], (outbox.c.key,))
        again = insert_ignore_many(conn, outbox, rows, (outbox.c.key,))
    assert first == {(row["key"],) for row in rows[:5]}
    assert again == {(row["key"],) for row in rows[5:]}
    stored = _stored(engine, [*rows[0], "claims"])
    # "claims" has a Python-side default the rows leave out: filled as SQLAlchemy fills it.
    assert stored == sorted(({**row, "claims": 0} for row in rows), key=lambda r: str(r["key"]))


def test_a_conflict_within_one_batch_keeps_the_first_row(engine: Engine) -> None:
    rows = [_outbox_row(1), _outbox_row(2), _outbox_row(1, payload="second")]
    with engine.begin() as conn:
        inserted = insert_ignore_many(conn, outbox, rows, (outbox.c.key,))
    assert inserted == {("d:r1:sync_contact",), ("d:r2:sync_contact",)}
    assert [row["payload"] for row in _stored(engine, ["payload"])] == [
        rows[0]["payload"],
        rows[1]["payload"],
    ]


def test_nulls_booleans_and_a_composite_key_come_back(engine: Engine) -> None:
    row = {
        "source": "d",
        "response_id": "r1",
        "version": 1,
        "score": 9,
        "category": "promoter",
        "email": None,
        "submitted_ms": 5,
        "payload": "{}",
        "needs_plan": True,
        "received_ms": 6,
        "updated_ms": 6,
    }
    empty = {"source": "d", "response_id": "r2", "crm": "h", "category": "passive", "score": 7}
    loop = {**empty, "response_ms": 1, "updated_ms": 1, "rule": None, "team": None}
    with engine.begin() as conn:
        assert insert_ignore_many(conn, inbox, [row], (inbox.c.source, inbox.c.response_id)) == {
            ("d", "r1")
        }
        # Every value of a column NULL: the array is still typed by the column.
        assert insert_ignore_many(conn, loops, [loop]) == {("d", "r2")}
        stored = conn.execute(select(inbox.c.needs_plan, inbox.c.email)).one()
        flag = conn.execute(text("SELECT count(*) FROM inbox WHERE needs_plan")).scalar_one()
    assert (stored.needs_plan, stored.email, flag) == (True, None, 1)


def _one() -> int:
    return 1


def test_a_computed_default_the_rows_leave_out_is_refused() -> None:
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=_one),
    )
    assert shape_of(table, ("id", "n"), ("id",)).columns == ("id", "n")
    with pytest.raises(ValueError, match=r"t\.n"):
        shape_of(table, ("id",), ("id",))


def test_the_columns_with_a_python_default_are_written_after_the_rows_own() -> None:
    shape = shape_of(outbox, ("key", "crm"), ("key",))
    assert (shape.columns, shape.defaults) == (("key", "crm", "attempts", "claims"), (0, 0))


@pytest.mark.parametrize("url", ["sqlite://", "postgresql+psycopg://"])
def test_a_reserved_word_is_quoted_as_a_column_name(url: str) -> None:
    dialect = create_mock_engine(url, executor=print).dialect
    table = Table("t", MetaData(), Column("order", Integer, primary_key=True))
    shape = shape_of(table, ("order",), ("order",))
    statement = (
        shape.sqlite_text(dialect, 2)
        if dialect.name == "sqlite"
        else shape.postgresql_text(dialect)
    )
    assert statement.startswith('INSERT INTO t ("order") ')
    assert statement.endswith(' ON CONFLICT DO NOTHING RETURNING "order"')


def test_postgresql_takes_one_short_statement_whatever_the_row_count(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite goes page by page: tests/store/test_statement_sizes.py")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.begin() as conn:
            insert_ignore_many(conn, outbox, [_outbox_row(n) for n in range(1_500)])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # psycopg caches the parse of statements up to 4 kB only.
    assert len(statements) == 1 and len(statements[0]) < 4096
