"""Loop records carry first seen, SLA start, reopened and why a task was not created."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from syncd.clock import to_ms
from syncd.model import ResponseKey, SurveyResponse, TaskChange, TaskState
from syncd.pipeline.plan import plan_pending
from syncd.pipeline.sla_clock import BACKFILL_AFTER_MS, sla_clock
from syncd.routing_settings import RoutingSettings
from syncd.store import inbox, loops
from syncd.store.schema import loops as loops_table
from syncd.store.schema import outbox as outbox_table

# A Monday, so one business day later is Tuesday at the same time.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _answer(response_id: str, at: datetime) -> SurveyResponse:
    return SurveyResponse(
        source="d",
        response_id=response_id,
        version=1,
        score=2,
        submitted_at=at,
        updated_at=at,
        email=f"{response_id}@x.example",
        survey="onboarding",
    )


def _plan(engine: Engine, answers: list[SurveyResponse], now: datetime, **routing: float) -> None:
    with engine.begin() as conn:
        for answer in answers:
            inbox.store_response(conn, answer, to_ms(now))
    settings = RoutingSettings(**routing)
    plan_pending(engine, "stub", settings, ZoneInfo("UTC"), now_ms=to_ms(now))


def _loop(engine: Engine, response_id: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(
            select(loops_table).where(loops_table.c.response_id == response_id)
        ).one()
    return dict(row._mapping)


def _creates(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        query = select(outbox_table.c.response_id).where(outbox_table.c.kind == "create_task")
        return set(conn.scalars(query))


def test_a_fresh_answer_starts_its_clock_when_given(engine: Engine) -> None:
    now = T0 + timedelta(minutes=5)
    _plan(engine, [_answer("fresh", T0)], now)
    loop = _loop(engine, "fresh")
    assert loop["seen_ms"] == to_ms(now)
    assert loop["sla_start_ms"] == to_ms(T0)
    assert loop["due_ms"] == to_ms(T0 + DAY)  # default detractor rule: 1 business day
    assert loop["survey"] == "onboarding"
    assert loop["no_task_reason"] is None


def test_a_backfilled_answer_starts_its_clock_when_seen(engine: Engine) -> None:
    now = T0 + timedelta(days=3)  # Thursday
    _plan(engine, [_answer("late", T0)], now)
    loop = _loop(engine, "late")
    assert loop["sla_start_ms"] == to_ms(now)
    assert loop["due_ms"] == to_ms(now + DAY)  # not overdue at birth
    assert "late" in _creates(engine)


def test_answers_older_than_the_limit_get_no_task(engine: Engine) -> None:
    now = T0 + timedelta(days=20)
    _plan(engine, [_answer("old", T0), _answer("recent", now - DAY * 2)], now, max_task_age_days=14)
    assert _creates(engine) == {"recent"}
    old = _loop(engine, "old")
    assert old["no_task_reason"] == "too_old"
    assert old["due_ms"] is None
    assert _loop(engine, "recent")["no_task_reason"] is None


def test_the_limit_is_off_by_default(engine: Engine) -> None:
    now = T0 + timedelta(days=200)
    _plan(engine, [_answer("ancient", T0)], now)
    assert _creates(engine) == {"ancient"}


@pytest.mark.parametrize(
    ("age_ms", "backfilled"), [(BACKFILL_AFTER_MS, False), (BACKFILL_AFTER_MS + 1, True)]
)
def test_backfill_starts_just_past_a_day(age_ms: int, backfilled: bool) -> None:
    seen = to_ms(T0) + age_ms
    clock = sla_clock(_answer("x", T0), RoutingSettings(), seen)
    assert clock.start_ms == (seen if backfilled else to_ms(T0))
    assert not clock.too_old


def test_a_reopened_task_is_stamped_and_first_touch_kept(engine: Engine) -> None:
    _plan(engine, [_answer("r", T0)], T0)
    key = ResponseKey("d", "r")

    def change(state: TaskState, at: datetime) -> TaskChange:
        return TaskChange("t1", state, at, None, at if state is TaskState.COMPLETED else None)

    with engine.begin() as conn:
        loops.set_task(conn, key, "t1", "u1", "test", to_ms(T0))
        loops.apply_change(conn, "stub", change(TaskState.IN_PROGRESS, T0 + DAY), 0)
        loops.apply_change(conn, "stub", change(TaskState.COMPLETED, T0 + 2 * DAY), 0)
        loops.apply_change(conn, "stub", change(TaskState.OPEN, T0 + 3 * DAY), 0)
    loop = _loop(engine, "r")
    assert loop["first_touch_ms"] == to_ms(T0 + DAY)
    assert loop["closed_ms"] is None
    assert loop["reopened_ms"] == to_ms(T0 + 3 * DAY)
