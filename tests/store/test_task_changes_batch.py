"""A page of task changes is read in one query and applied in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, select

from syncd.model import ResponseKey, TaskChange, TaskState
from syncd.store import loops
from syncd.store.schema import loops as loops_table

T = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _loop_with_task(engine: Engine, response_id: str, task_id: str) -> None:
    key = ResponseKey("d", response_id)
    start = loops.LoopStart(key, "crm", "detractor", 3, None, 0, None, None, None, None)
    with engine.begin() as conn:
        loops.open_loop(conn, start, 0)
        loops.set_task(conn, key, task_id, "o1", "least_open", 5)


def test_one_task_changing_twice_in_a_page_keeps_both_stamps(engine: Engine) -> None:
    _loop_with_task(engine, "r1", "t1")
    later = T + timedelta(hours=1)
    page = [
        TaskChange("t1", TaskState.IN_PROGRESS, T),
        TaskChange("t1", TaskState.COMPLETED, later, completed_at=later),
        TaskChange("t1", TaskState.IN_PROGRESS, T),  # a stale read must not reopen the loop
        TaskChange("not-ours", TaskState.OPEN, T),
    ]
    with engine.begin() as conn:
        assert loops.apply_changes(conn, "crm", page, 9) == 3
        row = conn.execute(select(loops_table)).one()
    assert row.first_touch_ms == int(T.timestamp() * 1000)
    assert row.closed_ms == int(later.timestamp() * 1000)
    assert row.task_state == TaskState.COMPLETED.value


def test_a_page_of_changes_is_read_in_one_statement(engine: Engine) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    page = [TaskChange(f"other-{n}", TaskState.OPEN, T) for n in range(50)]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as conn:
            assert loops.apply_changes(conn, "crm", page, 9) == 0
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
