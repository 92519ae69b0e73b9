"""Rules with ``once_per_days``: a respondent is asked at most once per period by that rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from syncd.store.schema import outbox
from tests.pipeline.flow import T0, answer, loop, outbox_rows, plan, routing, rule

PROMOTERS = routing(rule("ask-for-review", categories=("promoter",), once_per_days=90))


def _creates(engine: Engine) -> list[str]:
    return sorted(key for key, row in _rows(engine).items() if row.kind == "create_task")


def _rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {row.key: row for row in conn.execute(select(outbox))}


def test_a_second_ask_within_the_period_is_skipped_and_recorded(engine: Engine) -> None:
    plan(engine, answer("r1", score=10), settings=PROMOTERS)
    later = answer("r2", score=9, submitted_at=T0 + timedelta(days=30))
    result = plan(engine, later, settings=PROMOTERS)

    assert result.throttled == 1 and result.tasks == 0
    assert _creates(engine) == ["d:r1:create_task"]
    skipped = loop(engine, "r2")
    assert (skipped["rule"], skipped["due_ms"], skipped["no_task_reason"]) == (
        "ask-for-review",
        None,
        "throttled",
    )
    # The contact is still updated with the newer answer.
    assert "d:r2:sync_contact" in _rows(engine)


def test_after_the_period_the_respondent_is_asked_again(engine: Engine) -> None:
    plan(engine, answer("r1", score=10), settings=PROMOTERS)
    result = plan(
        engine, answer("r2", score=10, submitted_at=T0 + timedelta(days=91)), settings=PROMOTERS
    )
    assert (result.throttled, result.tasks) == (0, 1)


def test_answers_in_one_batch_count_against_each_other(engine: Engine) -> None:
    first = answer("r1", score=10)
    second = answer("r2", score=10, submitted_at=T0 + timedelta(hours=1))
    other = answer("r3", score=10, email="bob@x.example", submitted_at=T0 + timedelta(hours=2))
    result = plan(engine, first, second, other, settings=PROMOTERS)
    assert (result.tasks, result.throttled) == (2, 1)
    assert _creates(engine) == ["d:r1:create_task", "d:r3:create_task"]


def test_a_later_version_of_an_asked_answer_is_not_throttled_by_itself(engine: Engine) -> None:
    plan(engine, answer("r1", version=1, score=10), settings=PROMOTERS)
    result = plan(engine, answer("r1", version=2, score=10, comment="love it"), settings=PROMOTERS)
    assert result.throttled == 0
    assert _creates(engine) == ["d:r1:create_task"]
    assert outbox_rows(engine)["create_task"].version == 2


def test_other_rules_and_unthrottled_rules_are_untouched(engine: Engine) -> None:
    settings = routing(
        rule("ask", categories=("promoter",), once_per_days=90),
        rule("fix", categories=("detractor",)),
    )
    plan(engine, answer("r1", score=2), settings=settings)
    result = plan(
        engine, answer("r2", score=1, submitted_at=T0 + timedelta(days=1)), settings=settings
    )
    assert (result.tasks, result.throttled) == (1, 0)
