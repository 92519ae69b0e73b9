"""The plan stage on its own: outbox actions and loop records from inbox responses."""

from __future__ import annotations

from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.contact_match import ContactMatch
from syncd.model import ContactField, NpsCategory, RespondentId
from syncd.store import outbox
from syncd.store.outbox import ActionKind
from tests.pipeline.flow import T0, answer, loop, outbox_rows, plan, quarantined, routing, rule


def _complete_create(engine: Engine, task_id: str) -> None:
    """The create went out and recorded its task, as deliver would."""
    with engine.begin() as conn:
        for kind in (ActionKind.SYNC_CONTACT, ActionKind.CREATE_TASK):
            (action,) = outbox.claim(conn, "stub", kind, "t", 10, to_ms(T0), 60_000)
            outbox.complete(conn, action, task_id if kind is ActionKind.CREATE_TASK else "c", 0)


def test_a_response_becomes_a_contact_sync_and_a_task_waiting_on_it(engine: Engine) -> None:
    result = plan(engine, answer(score=2), settings=routing(rule("fix", team="Support")))

    rows = outbox_rows(engine)
    assert sorted(rows) == ["create_task", "sync_contact"]
    assert rows["sync_contact"].depends_on is None
    assert rows["create_task"].depends_on == rows["sync_contact"].key
    assert (rows["sync_contact"].status, rows["create_task"].status) == ("pending", "waiting")
    assert (result.planned, result.tasks, result.task_updates) == (1, 1, 0)
    record = loop(engine)
    assert (record["rule"], record["team"], record["category"], record["score"]) == (
        "fix",
        "Support",
        "detractor",
        2,
    )
    assert record["due_ms"] == to_ms(T0.replace(day=5))  # three working days after Monday


def test_planning_twice_changes_nothing(engine: Engine) -> None:
    plan(engine, answer())
    before = outbox_rows(engine)
    again = plan(engine, answer())

    assert again.planned == 0
    assert outbox_rows(engine) == before


def test_a_newer_version_rewrites_the_pending_actions(engine: Engine) -> None:
    plan(engine, answer(version=1, score=3))
    result = plan(engine, answer(version=2, score=9, comment="better now"))

    rows = outbox_rows(engine)
    assert sorted(rows) == ["create_task", "sync_contact"]
    assert {row.version for row in rows.values()} == {2}
    assert {row.status for row in rows.values()} == {"pending"}
    assert (result.tasks, result.task_updates) == (0, 0)
    record = loop(engine)
    assert (record["score"], record["category"]) == (9, NpsCategory.PROMOTER.value)


def test_a_newer_version_after_the_create_is_done_becomes_a_task_update(engine: Engine) -> None:
    plan(engine, answer(version=1))
    _complete_create(engine, "task-9")
    result = plan(engine, answer(version=2, comment="one more thing"))

    rows = outbox_rows(engine)
    assert rows["create_task"].status == "done"
    assert rows["create_task"].version == 1
    assert rows["update_task"].depends_on == rows["create_task"].key
    assert rows["update_task"].status == "pending"
    assert rows["sync_contact"].version == 2
    assert result.task_updates == 1


def test_a_rule_without_a_task_syncs_the_contact_only(engine: Engine) -> None:
    result = plan(engine, answer(), settings=routing(rule("note-only", create_task=False)))

    assert sorted(outbox_rows(engine)) == ["sync_contact"]
    assert result.tasks == 0
    assert loop(engine)["rule"] == "note-only"
    assert loop(engine)["due_ms"] is None


def test_no_matching_rule_syncs_the_contact_only(engine: Engine) -> None:
    detractors = routing(rule("d", categories=(NpsCategory.DETRACTOR,)))
    plan(engine, answer(score=10), settings=detractors)

    assert sorted(outbox_rows(engine)) == ["sync_contact"]
    assert loop(engine)["rule"] is None


def test_answers_no_configured_identifier_can_match_are_quarantined(engine: Engine) -> None:
    by_customer = (ContactMatch(RespondentId.EXTERNAL_ID, ContactField("customer_id")),)
    result = plan(
        engine,
        answer("no-id", email="ann@x.example"),
        answer("has-id", email=None, external_id="C-1"),
        match_by=by_customer,
    )

    assert sorted(outbox_rows(engine)) == ["d:has-id:create_task", "d:has-id:sync_contact"]
    stage, code, reason = quarantined(engine)["no-id"]
    assert (stage, code) == ("plan", "unmatchable")
    assert "external_id" in reason and "match_contacts_by" in reason
    assert (result.planned, result.unmatchable) == (2, 1)


def test_each_response_is_planned_once_across_batches(engine: Engine) -> None:
    answers = [answer(f"r{n}", email=f"p{n}@x.example") for n in range(7)]
    result = plan(engine, *answers, batch_size=3)

    assert result.planned == 7
    creates = [key for key, row in outbox_rows(engine).items() if row.kind == "create_task"]
    assert len(creates) == 7
