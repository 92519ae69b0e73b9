"""Plan hands deliver typed bodies; an update's outcome comes back under its own key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from syncd.actions import ContactSync, TaskCreate, TaskEdit
from syncd.clock import to_ms
from syncd.contracts import BatchOutcome
from syncd.model import NpsCategory, Priority, Respondent, SurveyResponse, TaskUpdate
from syncd.pipeline.deliver.context import DeliverContext
from syncd.pipeline.deliver.tasks import deliver_updates
from syncd.pipeline.plan import plan_pending
from syncd.retry import RetryPolicy
from syncd.routing_settings import RoutingSettings
from syncd.settings import DeliverySettings
from syncd.store import inbox, outbox
from syncd.store.outbox import Action, ActionKind, Status
from syncd.store.schema import outbox as outbox_table
from tests.pipeline.stub_crm import StubCrm

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _answer(version: int, comment: str) -> SurveyResponse:
    return SurveyResponse(
        source="d",
        response_id="r1",
        version=version,
        score=2,
        submitted_at=T0,
        updated_at=T0,
        email="ann@x.example",
        external_id="C-1",
        comment=comment,
    )


def _plan(engine: Engine, response: SurveyResponse) -> None:
    with engine.begin() as conn:
        inbox.store_response(conn, response, to_ms(T0))
    plan_pending(engine, "stub", RoutingSettings(), ZoneInfo("UTC"), now_ms=0)


def _claim_one(engine: Engine, kind: ActionKind) -> Action:
    with engine.begin() as conn:
        (action,) = outbox.claim(conn, "stub", kind, "test", 10, 0, 60_000)
    return action


def _done(engine: Engine, action: Action, result: str) -> None:
    with engine.begin() as conn:
        outbox.complete(conn, action, result, 0)


def test_plan_builds_typed_bodies_for_each_kind(engine: Engine) -> None:
    _plan(engine, _answer(1, "slow"))
    sync = _claim_one(engine, ActionKind.SYNC_CONTACT)
    _done(engine, sync, "c-1")
    create = _claim_one(engine, ActionKind.CREATE_TASK)
    _done(engine, create, "task-1")
    _plan(engine, _answer(2, "slow and rude"))  # the create is done: this goes out as an update
    edit = _claim_one(engine, ActionKind.UPDATE_TASK)

    assert isinstance(sync.payload, ContactSync)
    assert sync.payload.respondent == Respondent("ann@x.example", "C-1", None)
    assert (sync.payload.fields.score, sync.payload.fields.category) == (2, NpsCategory.DETRACTOR)
    assert sync.payload.fields.comment == "slow"
    assert isinstance(create.payload, TaskCreate)
    assert (create.payload.team, create.payload.priority) == ("Support", Priority.HIGH)
    assert create.payload.owner_chain == ("team_contact_owner", "least_open")
    assert isinstance(edit.payload, TaskEdit)
    assert "slow and rude" in (edit.payload.body or "")


@dataclass
class TaskUpdatesCrm(StubCrm):
    """Records task updates and answers each under the key it was sent with."""

    task_updates: list[TaskUpdate] = field(default_factory=list)

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        self.task_updates.extend(updates)
        return {update.key: update.task_id for update in updates}


def test_an_update_is_sent_and_recorded_under_its_own_key(engine: Engine) -> None:
    _plan(engine, _answer(1, "slow"))
    _done(engine, _claim_one(engine, ActionKind.SYNC_CONTACT), "c-1")
    _done(engine, _claim_one(engine, ActionKind.CREATE_TASK), "task-1")
    _plan(engine, _answer(2, "slow and rude"))
    crm = TaskUpdatesCrm()
    ctx = DeliverContext(
        engine,
        crm,
        DeliverySettings(),
        RoutingSettings(),
        RetryPolicy(3, 1.0, 10.0),
        "test",
        lambda: T0,
    )

    deliver_updates(ctx, [_claim_one(engine, ActionKind.UPDATE_TASK)])

    (sent,) = crm.task_updates
    assert (sent.key, sent.task_id) == ("d:r1:update_task", "task-1")
    assert "slow and rude" in (sent.body or "")
    with engine.connect() as conn:
        status = conn.execute(
            select(outbox_table.c.status).where(outbox_table.c.key == "d:r1:update_task")
        ).scalar()
    assert status == Status.DONE.value
    assert ctx.result.tasks_updated == 1
