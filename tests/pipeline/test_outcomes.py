"""Closing the loop records what came of it: the outcome field, or the owner's note."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.model import TaskChange, TaskChangePage, TaskState
from syncd.pipeline.outcome_note import plain
from syncd.pipeline.track import track_tasks
from syncd.settings import TrackingSettings
from syncd.store import loops
from syncd.store.loop_changes import OUTCOME_LENGTH
from tests.pipeline.flow import T0, answer, deliver, loop, plan
from tests.pipeline.stub_crm import StubCrm

DONE = T0 + timedelta(hours=3)


@dataclass
class TrackedCrm(StubCrm):
    """The stub CRM, answering task changes from a list."""

    changes: list[TaskChange] = field(default_factory=list)

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        yield TaskChangePage(self.changes, max((c.modified_at for c in self.changes), default=None))


def _opened(engine: Engine, *response_ids: str) -> TrackedCrm:
    crm = TrackedCrm()
    crm.add("c1", "ann@x.example", "o-1")
    plan(engine, *(answer(r, email=f"{r}@x.example") for r in response_ids))
    for n, r in enumerate(response_ids):
        crm.add(f"c{n + 2}", f"{r}@x.example", "o-1")
    deliver(engine, crm)
    return crm


def _track(engine: Engine, crm: TrackedCrm, changes: Sequence[TaskChange]) -> None:
    crm.changes = list(changes)
    track_tasks(engine, crm, TrackingSettings(), now=DONE + timedelta(minutes=1))


def _done(task_id: str, outcome: str | None = None, body: str | None = None) -> TaskChange:
    return TaskChange(
        task_id, TaskState.COMPLETED, DONE, completed_at=DONE, outcome=outcome, body=body
    )


def test_outcome_field_note_and_nothing(engine: Engine) -> None:
    crm = _opened(engine, "r1", "r2", "r3", "r4")
    written = crm.created[1].body
    _track(
        engine,
        crm,
        [
            _done("task-1", outcome="  Resolved  "),
            _done("task-2", body=f"<p>{written}</p><p>Called; refund agreed.</p>"),
            _done("task-3", body=f"<div>{written}</div>"),  # completed, text untouched
            _done("task-4"),
        ],
    )
    assert [loop(engine, r)["outcome"] for r in ("r1", "r2", "r3", "r4")] == [
        "Resolved",
        "note",
        None,
        None,
    ]
    with engine.connect() as conn:
        counts = loops.closure_outcomes(conn)[None]
        by_category = loops.closure_outcomes(conn, group_by="category", since_ms=to_ms(DONE))
        later = loops.closure_outcomes(conn, since_ms=to_ms(DONE) + 1)
    assert (counts.closed, counts.without_outcome, counts.with_outcome) == (4, 2, 2)
    assert counts.by_outcome == {"Resolved": 1, "note": 1}
    assert by_category["detractor"].closed == 4
    assert later == {}


def test_a_reopened_loop_forgets_its_outcome(engine: Engine) -> None:
    crm = _opened(engine, "r1")
    _track(engine, crm, [_done("task-1", outcome="Resolved")])
    reopened = TaskChange("task-1", TaskState.OPEN, DONE + timedelta(hours=1))
    crm.changes = [reopened]
    track_tasks(engine, crm, TrackingSettings(), now=DONE + timedelta(hours=2))
    record = loop(engine)
    assert (record["closed_ms"], record["outcome"]) == (None, None)


def test_an_outcome_set_after_completion_is_picked_up(engine: Engine) -> None:
    crm = _opened(engine, "r1")
    _track(engine, crm, [_done("task-1")])
    later = TaskChange(
        "task-1",
        TaskState.COMPLETED,
        DONE + timedelta(minutes=5),
        completed_at=DONE,
        outcome="No answer",
    )
    crm.changes = [later]
    track_tasks(engine, crm, TrackingSettings(), now=DONE + timedelta(hours=1))
    record = loop(engine)
    assert (record["outcome"], record["closed_ms"]) == ("No answer", to_ms(DONE))


def test_bodies_compare_as_a_reader_sees_them() -> None:
    assert plain("<b>a&amp;b</b>\n\n  c") == "a&b c"


def test_an_outcome_longer_than_the_column_is_cut(engine: Engine) -> None:
    crm = _opened(engine, "r1")
    _track(engine, crm, [_done("task-1", outcome="x" * 10_000)])
    assert loop(engine)["outcome"] == "x" * OUTCOME_LENGTH
