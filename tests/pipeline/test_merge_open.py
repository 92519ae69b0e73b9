"""``[routing] merge_open_tasks``: one open follow-up per respondent and category."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from syncd.actions import TaskEdit
from syncd.model import Priority
from syncd.routing_settings import RoutingSettings
from syncd.store.action_codec import from_json
from syncd.store.outbox import ActionKind
from syncd.store.schema import loops, outbox
from tests.pipeline.flow import T0, answer, deliver, loop, plan, rule
from tests.pipeline.test_deliver_unit import crm_with_ann
from tests.pipeline.test_throttle import _creates, _rows

MERGING = RoutingSettings(
    rules=(
        rule("fix", categories=("detractor",), priority="medium", body="NPS {score}: {comment}"),
    ),
    merge_open_tasks=True,
)


def _edit(engine: Engine, key: str) -> tuple[TaskEdit, str | None]:
    row = _rows(engine)[key]
    edit = from_json(ActionKind.UPDATE_TASK, row.payload)
    assert isinstance(edit, TaskEdit)
    return edit, row.depends_on


def test_a_second_detractor_answer_joins_the_open_task(engine: Engine) -> None:
    plan(engine, answer("r1", score=3, comment="slow"), settings=MERGING)
    later = answer("r2", score=1, comment="still slow", submitted_at=T0 + timedelta(days=2))
    result = plan(engine, later, settings=MERGING)

    assert (result.tasks, result.merged) == (0, 1)
    assert _creates(engine) == ["d:r1:create_task"]
    edit, depends_on = _edit(engine, "d:r2:update_task")
    assert depends_on == edit.target == "d:r1:create_task"
    assert str(edit.body).startswith("NPS 3: slow\n\n--- Another answer, 2026-11-04")
    assert str(edit.body).endswith("NPS 1: still slow")
    assert loop(engine, "r2")["no_task_reason"] == "merged"


def test_a_third_answer_appends_to_the_merged_text(engine: Engine) -> None:
    plan(engine, answer("r1", score=3, comment="one"), settings=MERGING)
    plan(
        engine,
        answer("r2", score=2, comment="two", submitted_at=T0 + timedelta(days=1)),
        settings=MERGING,
    )
    plan(
        engine,
        answer("r3", score=1, comment="three", submitted_at=T0 + timedelta(days=2)),
        settings=MERGING,
    )
    edit, _ = _edit(engine, "d:r3:update_task")
    assert [line for line in str(edit.body).splitlines() if line.startswith("NPS")] == [
        "NPS 3: one",
        "NPS 2: two",
        "NPS 1: three",
    ]


def test_answers_in_one_batch_share_one_task(engine: Engine) -> None:
    first = answer("r1", score=3, comment="a")
    second = answer("r2", score=4, comment="b", submitted_at=T0 + timedelta(hours=1))
    result = plan(engine, first, second, settings=MERGING)
    assert (result.tasks, result.merged) == (1, 1)
    edit, depends_on = _edit(engine, "d:r2:update_task")
    assert depends_on == "d:r1:create_task" and str(edit.body).count("NPS") == 2


def test_a_closed_follow_up_lets_the_next_answer_have_its_own(engine: Engine) -> None:
    plan(engine, answer("r1", score=3), settings=MERGING)
    with engine.begin() as conn:
        conn.execute(update(loops).where(loops.c.response_id == "r1").values(closed_ms=1))
    result = plan(
        engine, answer("r2", score=3, submitted_at=T0 + timedelta(days=3)), settings=MERGING
    )
    assert (result.tasks, result.merged) == (1, 0)


def test_priority_is_raised_never_lowered_and_other_categories_stay_apart(engine: Engine) -> None:
    settings = RoutingSettings(
        rules=(
            rule("urgent", categories=("detractor",), score_max=2, priority="high"),
            rule("fix", categories=("detractor",), priority="low"),
            rule("csm", categories=("passive",)),
        ),
        merge_open_tasks=True,
    )
    plan(engine, answer("r1", score=5), settings=settings)
    plan(engine, answer("r2", score=1, submitted_at=T0 + timedelta(days=1)), settings=settings)
    plan(engine, answer("r3", score=8, submitted_at=T0 + timedelta(days=1)), settings=settings)
    edit, _ = _edit(engine, "d:r2:update_task")
    assert edit.priority is Priority.HIGH
    assert _creates(engine) == ["d:r1:create_task", "d:r3:create_task"]


def test_a_later_version_of_a_merged_answer_rewrites_its_own_merge(engine: Engine) -> None:
    plan(engine, answer("r1", score=3, comment="first"), settings=MERGING)
    later = {"submitted_at": T0 + timedelta(days=1)}
    plan(engine, answer("r2", version=1, score=2, comment="x", **later), settings=MERGING)
    plan(engine, answer("r2", version=2, score=2, comment="y", **later), settings=MERGING)
    edit, _ = _edit(engine, "d:r2:update_task")
    assert edit.body == "NPS 3: first\n\n--- Another answer, 2026-11-03T09:00+00:00 ---\nNPS 2: y"


def test_off_by_default(engine: Engine) -> None:
    plan(engine, answer("r1", score=3), settings=RoutingSettings(rules=(rule("fix"),)))
    result = plan(
        engine,
        answer("r2", score=3, submitted_at=T0 + timedelta(days=1)),
        settings=RoutingSettings(rules=(rule("fix"),)),
    )
    assert (result.tasks, result.merged) == (1, 0)
    assert not [k for k in _rows(engine) if k.endswith("update_task")]
    with engine.connect() as conn:
        assert conn.execute(outbox.select()).all()


def test_deliver_sends_the_merge_to_the_open_task(engine: Engine) -> None:
    crm = crm_with_ann()
    plan(engine, answer("r1", score=3, comment="slow"), settings=MERGING)
    deliver(engine, crm, settings=MERGING)
    (task_id,) = crm.task_ids.values()
    plan(
        engine,
        answer("r2", score=2, comment="worse", submitted_at=T0 + timedelta(days=1)),
        settings=MERGING,
    )
    deliver(engine, crm, settings=MERGING)

    assert len(crm.created) == 1
    (sent,) = crm.task_updates
    assert sent.task_id == task_id
    assert str(sent.body).endswith("NPS 2: worse") and "NPS 3: slow" in str(sent.body)
