"""The loop-closed time on the contact: queued by track, written by deliver, latest answer only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, select, text

from syncd.actions import ActionKind
from syncd.clock import to_ms
from syncd.errors import CrmUnavailable
from syncd.model import ContactUpdate, ResponseKey, TaskChange, TaskChangePage, TaskState
from syncd.pipeline.deliver import DeliverResult
from syncd.pipeline.track import track_tasks
from syncd.settings import TrackingSettings
from syncd.store import loop_marks, outbox
from syncd.store.schema import outbox as outbox_table
from tests.pipeline.flow import T0, Clock, answer, deliver, plan
from tests.pipeline.stub_crm import StubCrm

DONE = T0 + timedelta(hours=3)
MARK = "d:r1:mark_loop"


@dataclass
class MarkingCrm(StubCrm):
    """The stub CRM with a loop-closed contact field, answering task changes from a list."""

    writes_loop_closed: bool = True
    changes: list[TaskChange] = field(default_factory=list)

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        yield TaskChangePage(self.changes, max((c.modified_at for c in self.changes), default=None))

    def marks(self) -> list[ContactUpdate]:
        """The loop-closed writes (no NPS fields), in order."""
        return [update for update in self.updates if update.fields is None]


def _opened(engine: Engine, *answers: Any) -> MarkingCrm:
    crm = MarkingCrm()
    crm.add("c1", "ann@x.example", "o-1")
    plan(engine, *(answers or (answer(),)))
    deliver(engine, crm)
    return crm


def _track(engine: Engine, crm: MarkingCrm, *changes: TaskChange) -> int:
    crm.changes = list(changes)
    latest = max(c.modified_at for c in changes)
    return track_tasks(engine, crm, TrackingSettings(), now=latest + timedelta(minutes=1)).marks


def _done(task_id: str = "task-1", at: datetime = DONE) -> TaskChange:
    return TaskChange(task_id, TaskState.COMPLETED, at, completed_at=at)


def _open(task_id: str = "task-1", at: datetime = DONE) -> TaskChange:
    return TaskChange(task_id, TaskState.OPEN, at)


def _deliver(engine: Engine, crm: MarkingCrm) -> DeliverResult:
    """A deliver pass a day after the answers: every mark queued by then is due."""
    return deliver(engine, crm, clock=Clock(T0 + timedelta(days=3)))


def _mark_row(engine: Engine, key: str = MARK) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(outbox_table).where(outbox_table.c.key == key)).first()


def test_a_completed_task_writes_its_close_time_onto_the_contact(engine: Engine) -> None:
    crm = _opened(engine)
    assert [u.loop_closed_at for u in crm.updates] == [None]  # the answer's sync: open

    assert _track(engine, crm, _done()) == 1
    result = _deliver(engine, crm)

    assert crm.marks() == [ContactUpdate(MARK, "c1", None, DONE)]
    assert result.loops_marked == 1
    assert _mark_row(engine).status == "done"


def test_a_reopen_clears_it_and_a_new_close_writes_again(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    _deliver(engine, crm)

    _track(engine, crm, _open(at=DONE + timedelta(hours=1)))
    _deliver(engine, crm)
    _track(engine, crm, _done(at=DONE + timedelta(hours=2)))
    _deliver(engine, crm)

    closed = [update.loop_closed_at for update in crm.marks()]
    assert closed == [DONE, None, DONE + timedelta(hours=2)]
    assert _mark_row(engine).version == to_ms(DONE + timedelta(hours=2))


def test_a_close_and_reopen_before_delivery_send_only_the_newest_state(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    _track(engine, crm, _open(at=DONE + timedelta(hours=1)))

    _deliver(engine, crm)

    assert [update.loop_closed_at for update in crm.marks()] == [None]


def test_an_older_view_of_the_task_never_rewrites_a_newer_mark(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done(at=DONE + timedelta(hours=1)))
    _track(engine, crm, _open(at=DONE))  # a lagging search index shows the task still open

    _deliver(engine, crm)

    assert [update.loop_closed_at for update in crm.marks()] == [DONE + timedelta(hours=1)]


def test_only_the_contacts_latest_answer_marks_it(engine: Engine) -> None:
    later = answer("r2", score=2, submitted_at=T0 + timedelta(days=1))
    crm = _opened(engine, answer(), later)
    assert [task.key for task in crm.created] == ["d:r1:create_task", "d:r2:create_task"]

    assert _track(engine, crm, _done("task-1")) == 0  # r2 is newer: r1's close is not shown
    _deliver(engine, crm)
    assert crm.marks() == []

    assert _track(engine, crm, _done("task-2", DONE + timedelta(hours=1))) == 1
    _deliver(engine, crm)
    assert crm.marks() == [ContactUpdate("d:r2:mark_loop", "c1", None, DONE + timedelta(hours=1))]


def test_a_later_answer_clears_the_time(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    _deliver(engine, crm)

    plan(engine, answer("r2", score=9, submitted_at=T0 + timedelta(days=2)))
    _deliver(engine, crm)

    (sync,) = [u for u in crm.updates if u.fields is not None and u.fields.score == 9]
    assert sync.loop_closed_at is None


def test_a_mark_overtaken_before_delivery_is_settled_without_a_call(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())  # queued, not delivered yet
    plan(engine, answer("r2", score=9, submitted_at=T0 + timedelta(days=2)))

    result = _deliver(engine, crm)  # the newer answer's sync goes first and clears the field

    assert crm.marks() == []
    row = _mark_row(engine)
    assert (row.status, row.result) == ("done", "superseded")
    assert result.loops_marked == 0


def test_a_re_sent_answer_whose_loop_is_closed_keeps_its_time(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    _deliver(engine, crm)

    plan(engine, answer(version=2, comment="Fixed now, thanks"))
    _deliver(engine, crm)

    resent = [u for u in crm.updates if u.fields is not None and u.fields.comment]
    assert [u.loop_closed_at for u in resent] == [DONE]


def test_a_crash_between_queueing_and_delivery_writes_once(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    with engine.begin() as conn:  # a replica claims the mark, then dies before the call
        later = to_ms(T0 + timedelta(days=1))
        claimed = outbox.claim(conn, "stub", ActionKind.MARK_LOOP, "dead", 10, later, 60_000)
    assert [action.key for action in claimed] == [MARK]

    with engine.begin() as conn:  # the restart hands in-flight work back
        outbox.release_all(conn, later)
    _deliver(engine, crm)
    _deliver(engine, crm)

    assert crm.marks() == [ContactUpdate(MARK, "c1", None, DONE)]


def test_a_failed_write_is_retried_and_then_done(engine: Engine) -> None:
    crm = _opened(engine)
    _track(engine, crm, _done())
    crm.fail_with["update_contacts"] = CrmUnavailable("HubSpot answered 503")
    _deliver(engine, crm)
    assert _mark_row(engine).status == "pending"

    del crm.fail_with["update_contacts"]
    with engine.begin() as conn:
        conn.execute(outbox_table.update().values(next_attempt_ms=0))
    _deliver(engine, crm)
    assert crm.marks()[-1] == ContactUpdate(MARK, "c1", None, DONE)
    assert _mark_row(engine).status == "done"


def test_a_crm_without_the_field_queues_nothing(engine: Engine) -> None:
    crm = _opened(engine)
    crm.writes_loop_closed = False

    assert _track(engine, crm, _done()) == 0
    _deliver(engine, crm)

    assert _mark_row(engine) is None
    assert crm.marks() == []


def test_a_batch_of_closes_is_queued_in_a_few_statements(engine: Engine) -> None:
    answers = [answer(f"r{n}", email=f"p{n}@x.example") for n in range(30)]
    crm = MarkingCrm()
    for n in range(30):
        crm.add(f"c{n}", f"p{n}@x.example", "o-1")
    plan(engine, *answers)
    _deliver(engine, crm)
    silent = MarkingCrm(writes_loop_closed=False)
    _track(engine, silent, *(_done(f"task-{n + 1}") for n in range(30)))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    keys = [ResponseKey("d", f"r{n}") for n in range(30)]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as conn:
            queued = loop_marks.queue_marks(conn, "stub", keys, to_ms(DONE))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert queued == 30
    data = [s for s in statements if not s.upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]
    # One read, and the upserts in pages of a few sizes (16, 8, 4 and 2 rows): a statement text
    # per row count would fill the connection's statement cache with ever new ones.
    assert len(data) == 5, data


def test_the_latest_answer_check_reads_the_contact_index(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return  # the plan is checked on SQLite; PostgreSQL may scan a tiny table
    with engine.connect() as conn:
        sql = _compiled(engine, [ResponseKey("d", "r1"), ResponseKey("d", "r2")])
        plan_rows = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all()
    plan_text = " | ".join(str(row[-1]) for row in plan_rows)
    assert "ix_loops_contact" in plan_text
    assert "SCAN loops" not in plan_text


def _compiled(engine: Engine, keys: Sequence[ResponseKey]) -> str:
    query = loop_marks.latest_query("stub", "d", [key.response_id for key in keys])
    return str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
