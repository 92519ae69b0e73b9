"""Plan and deliver cost a fixed number of SQL statements per batch, not a few per answer.

Counted with an SQLAlchemy cursor event, so the check holds whatever the machine's speed: a batch
of 100 answers issues exactly as many statements as a batch of 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, func, select

from syncd.clock import to_ms
from syncd.model import Owner
from syncd.store import inbox
from syncd.store.engine import SQLITE_ROWS_PER_INSERT
from syncd.store.schema import outbox
from tests.pipeline.flow import T0, answer, deliver, plan
from tests.pipeline.stub_crm import StubCrm

ANN = Owner(id="o-ann", email="ann@corp.example", name="Ann", teams=frozenset({"Support"}))


@contextmanager
def _counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        # One per statement executed; a many-row INSERT goes to SQLite in pages of
        # ``SQLITE_ROWS_PER_INSERT`` rows and its rest in pages of falling powers of two, so a
        # page that follows a full or a larger page of the same insert is that statement's next
        # page. A row-by-row insert still counts every row.
        if not (statements and _next_page(statements[-1], sql)):
            statements.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _next_page(previous: str, sql: str) -> bool:
    head, values, _ = previous.partition(" VALUES (")
    rows = previous.count("), (") + 1
    return (
        bool(values)
        and sql.startswith(head + " VALUES (")
        and (rows == SQLITE_ROWS_PER_INSERT or sql.count("), (") + 1 < rows)
    )


def _answers(first: int, count: int) -> list[Any]:
    return [
        answer(f"r{n}", email=f"p{n}@x.example", score=n % 11) for n in range(first, first + count)
    ]


def _statements_to_plan(engine: Engine, first: int, count: int) -> int:
    with engine.begin() as conn:
        for item in _answers(first, count):
            inbox.store_response(conn, item, to_ms(T0))
    with _counted(engine) as statements:
        result = plan(engine)
    assert result.planned == count
    return len(statements)


def test_planning_a_batch_costs_the_same_statements_for_10_and_100_answers(
    engine: Engine,
) -> None:
    assert _statements_to_plan(engine, 0, 10) == _statements_to_plan(engine, 10, 100)


def test_storing_a_page_costs_the_same_statements_for_10_and_100_answers(engine: Engine) -> None:
    counts = []
    for first, size in ((0, 10), (10, 100)):
        with _counted(engine) as statements, engine.begin() as conn:
            assert inbox.store_responses(conn, _answers(first, size), to_ms(T0)) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]


def _statements_to_deliver(engine: Engine, first: int, count: int) -> int:
    crm = StubCrm(owners=[ANN])
    for n in range(first, first + count):
        crm.add(f"c{n}", f"p{n}@x.example", owner_id=ANN.id)
    plan(engine, *_answers(first, count))
    with _counted(engine) as statements:
        result = deliver(engine, crm)
    assert (result.contacts_updated, result.tasks_created) == (count, count)
    return len(statements)


def test_delivering_a_batch_costs_the_same_statements_for_10_and_100_answers(
    engine: Engine,
) -> None:
    assert _statements_to_deliver(engine, 0, 10) == _statements_to_deliver(engine, 10, 100)


def test_storing_a_page_again_costs_the_same_statements_for_10_and_100_answers(
    engine: Engine,
) -> None:
    # An overlap re-read, a replayed webhook, a re-run import: versions the inbox already holds.
    counts = []
    for first, size in ((0, 10), (10, 100)):
        with engine.begin() as conn:
            inbox.store_responses(conn, _answers(first, size), to_ms(T0))
        with _counted(engine) as statements, engine.begin() as conn:
            assert inbox.store_responses(conn, _answers(first, size), to_ms(T0)) == 0
        counts.append(len(statements))
    assert counts[0] == counts[1]


def _statements_to_quarantine(engine: Engine, first: int, count: int) -> int:
    crm = StubCrm(owners=[ANN])  # holds none of these contacts
    plan(engine, *_answers(first, count))
    with _counted(engine) as statements:
        result = deliver(engine, crm)
    assert (result.quarantined, result.tasks_created) == (count, 0)
    with engine.connect() as conn:
        skipped = conn.execute(
            select(func.count()).where(
                outbox.c.status == "skipped", outbox.c.depends_on.is_not(None)
            )
        ).scalar_one()
    assert skipped >= count  # each answer's task waited on its contact and was skipped
    return len(statements)


def test_quarantining_a_batch_of_unknown_contacts_costs_the_same_for_10_and_100(
    engine: Engine,
) -> None:
    assert _statements_to_quarantine(engine, 0, 10) == _statements_to_quarantine(engine, 10, 100)
