"""A whole batch's updates in one statement keep each row's fences, on SQLite and PostgreSQL.

The batch is joined to the table by its per-row values (``batch_rows``): a row a fence turns
away is left as it is and goes the one-by-one way, and a row named twice in a batch ends as it
would have after one update per row.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, select

from syncd.model import ResponseKey, SurveyResponse
from syncd.store import inbox, outbox
from syncd.store.loop_links import ContactLink, TaskLink, set_contacts, set_tasks
from syncd.store.outbox import Action, ActionKind, NewAction, Status
from syncd.store.outbox_batch import complete_all, settle_all
from syncd.store.schema import inbox as inbox_table
from syncd.store.schema import loops
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body
from tests.store.test_store import _response


def _enqueue(engine: Engine, count: int) -> None:
    actions = [
        NewAction(
            key=f"d:r{n}:create_task",
            crm="crm",
            source="d",
            response_id=f"r{n}",
            version=1,
            payload=body(ActionKind.CREATE_TASK),
        )
        for n in range(count)
    ]
    with engine.begin() as conn:
        outbox.enqueue_all(conn, actions, 0)


def _claim(engine: Engine, holder: str, now_ms: int) -> list[Action]:
    with engine.begin() as conn:
        return list(outbox.claim(conn, "crm", ActionKind.CREATE_TASK, holder, 10, now_ms, 1000))


def _rows(engine: Engine) -> list[tuple[str, str | None, int, str | None, str | None]]:
    columns = outbox_table.c
    query = select(
        columns.status, columns.claimed_by, columns.attempts, columns.result, columns.last_error
    ).order_by(columns.id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def _stale_first(engine: Engine) -> list[Action]:
    """Three claimed actions; the first was taken over by another holder since its claim."""
    _enqueue(engine, 3)
    stale = _claim(engine, "replica-a", 0)
    with engine.begin() as conn:  # a's lease on r0 ran out and b claimed it
        conn.execute(
            outbox_table.update()
            .where(outbox_table.c.id == stale[0].id)
            .values(claimed_by="replica-b", claims=outbox_table.c.claims + 1)
        )
    return stale


def test_a_batch_of_successes_leaves_a_row_claimed_by_another_holder(engine: Engine) -> None:
    actions = _stale_first(engine)
    with engine.begin() as conn:
        complete_all(conn, [(action, f"task-{action.id}") for action in actions], 10)
    _taken_over, *rest = actions
    assert _rows(engine) == [
        ("in_flight", "replica-b", 0, None, None),
        *[("done", None, 1, f"task-{action.id}", None) for action in rest],
    ]


def test_a_success_whose_version_was_rewritten_goes_due_again(engine: Engine) -> None:
    _enqueue(engine, 2)
    actions = _claim(engine, "replica-a", 0)
    stale = replace(actions[0], version=0)  # a newer version arrived while it was in flight
    with engine.begin() as conn:
        complete_all(conn, [(stale, None), (actions[1], "t")], 10)
    assert [row[0] for row in _rows(engine)] == ["pending", "done"]


def test_a_batch_of_endings_leaves_a_row_claimed_by_another_holder(engine: Engine) -> None:
    actions = _stale_first(engine)
    with engine.begin() as conn:
        settle_all(conn, [(action, Status.DEAD, "gone") for action in actions], 10)
    assert _rows(engine) == [
        ("in_flight", "replica-b", 0, None, None),
        ("dead", None, 1, None, "gone"),
        ("dead", None, 1, None, "gone"),
    ]


def _open_loops(engine: Engine, count: int) -> list[ResponseKey]:
    keys = [ResponseKey("d", f"r{n}") for n in range(count)]
    with engine.begin() as conn:
        conn.execute(
            loops.insert(),
            [
                {
                    "source": key.source,
                    "response_id": key.response_id,
                    "crm": "crm",
                    "category": "detractor",
                    "score": 3,
                    "response_ms": 0,
                    "updated_ms": 0,
                }
                for key in keys
            ],
        )
    return keys


def _links(engine: Engine) -> list[tuple[str | None, str | None, str | None, str | None]]:
    query = select(
        loops.c.contact_id, loops.c.contact_owner_id, loops.c.task_id, loops.c.owner_id
    ).order_by(loops.c.response_id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_a_loop_keeps_its_first_task_and_takes_its_last_contact(engine: Engine) -> None:
    first, second = _open_loops(engine, 2)
    with engine.begin() as conn:
        set_tasks(conn, [TaskLink(first, "t-old", "o1", "fixed")], 1)
        set_tasks(
            conn,
            [
                TaskLink(first, "t-new", "o2", "fixed"),  # the loop has a task: it keeps it
                TaskLink(second, "t-a", "o1", "fixed"),
                TaskLink(second, "t-b", "o2", "fixed"),  # twice in a batch: the first stays
            ],
            2,
        )
        set_contacts(
            conn,
            [
                ContactLink(first, "c1", None),
                ContactLink(second, "c-a", "o1"),
                ContactLink(second, "c-b", "o2"),  # twice in a batch: the last stays
            ],
            2,
        )
    assert _links(engine) == [("c1", None, "t-old", "o1"), ("c-b", "o2", "t-a", "o1")]


def _planned(engine: Engine) -> list[tuple[int | None, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(select(inbox_table.c.planned_version, inbox_table.c.needs_plan))
        return [(version, bool(needs)) for version, needs in rows]


def test_a_planned_batch_keeps_a_response_whose_newer_version_arrived(engine: Engine) -> None:
    with engine.begin() as conn:
        inbox.store_response(conn, _response(10), 1)
        inbox.store_response(conn, _response(11), 2)  # arrived while 10 was being planned
        inbox.mark_all_planned(conn, [_response(10)])
    assert _planned(engine) == [(10, True)]
    with engine.begin() as conn:
        inbox.mark_all_planned(conn, [_response(10), _response(11)])  # the last one counts
    assert _planned(engine) == [(11, False)]


def test_an_empty_batch_runs_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        complete_all(conn, [], 1)
        settle_all(conn, [], 1)
        set_tasks(conn, [], 1)
        set_contacts(conn, [], 1)
        inbox.mark_all_planned(conn, list[SurveyResponse]())
