"""Plan and deliver against a real store and the stub CRM, read back as rows and calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from syncd.clock import to_ms
from syncd.contact_match import BY_EMAIL, ContactMatch
from syncd.model import NpsCategory, SurveyResponse
from syncd.pipeline.deliver import Deliverer, DeliverResult
from syncd.pipeline.deliver.context import DeliverContext
from syncd.pipeline.plan import PlanResult, plan_pending
from syncd.retry import RetryPolicy
from syncd.routing_settings import RoutingRule, RoutingSettings
from syncd.settings import DeliverySettings
from syncd.store import inbox, quarantine
from syncd.store.schema import loops as loops_table
from syncd.store.schema import outbox as outbox_table
from tests.pipeline.stub_crm import StubCrm

#: Monday 2 November 2026, 09:00 UTC.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CRM = "stub"


def answer(
    response_id: str = "r1", version: int = 1, score: int = 3, **fields: Any
) -> SurveyResponse:
    """A Delighted-like answer submitted at ``T0``, from ann unless told otherwise."""
    values: dict[str, Any] = {
        "source": "d",
        "response_id": response_id,
        "version": version,
        "score": score,
        "submitted_at": T0,
        "updated_at": T0 + timedelta(minutes=version),
        "email": "ann@x.example",
    }
    values.update(fields)
    return SurveyResponse(**values)


def rule(name: str = "follow-up", **fields: Any) -> RoutingRule:
    """A rule that matches everything and assigns to the contact's owner."""
    values: dict[str, Any] = {"name": name, "owner": ("contact_owner",)}
    values.update(fields)
    return RoutingRule.model_validate(values)


def routing(*rules: RoutingRule, fallback: str | None = None) -> RoutingSettings:
    """Routing settings with exactly ``rules``."""
    return RoutingSettings(rules=rules or (rule(),), fallback_owner=fallback)


def plan(
    engine: Engine,
    *answers: SurveyResponse,
    settings: RoutingSettings | None = None,
    match_by: Sequence[ContactMatch] = (BY_EMAIL,),
    batch_size: int = 500,
) -> PlanResult:
    """Store ``answers`` in the inbox and run the plan stage once."""
    with engine.begin() as conn:
        for item in answers:
            inbox.store_response(conn, item, to_ms(T0))
    return plan_pending(
        engine,
        CRM,
        settings or routing(),
        ZoneInfo("UTC"),
        now_ms=to_ms(T0),
        match_by=match_by,
        batch_size=batch_size,
    )


@dataclass
class Clock:
    """A settable clock for the deliver stage."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def deliver(
    engine: Engine,
    crm: StubCrm,
    *,
    settings: RoutingSettings | None = None,
    clock: Clock | None = None,
    max_attempts: int = 3,
    create_contacts_for: frozenset[NpsCategory] = frozenset(),
    match_by: tuple[ContactMatch, ...] = (BY_EMAIL,),
    history_notes: bool = False,
) -> DeliverResult:
    """One deliver pass (until idle) with a jitter-free retry policy."""
    ctx = DeliverContext(
        engine,
        crm,
        DeliverySettings(),
        settings or routing(),
        RetryPolicy(max_attempts, 10.0, 1000.0, jitter=0.0),
        "test",
        clock or Clock(),
        create_contacts_for=create_contacts_for,
        match_by=match_by,
        history_notes=history_notes,
    )
    return Deliverer(ctx).run()


@dataclass(frozen=True)
class Row:
    """An outbox row as an operator sees it."""

    key: str
    kind: str
    status: str
    version: int
    depends_on: str | None
    attempts: int
    next_attempt_ms: int
    last_error: str | None
    result: str | None


def outbox_rows(engine: Engine) -> dict[str, Row]:
    """Every outbox row by kind (``sync_contact``...) of response ``r1``, or by key otherwise."""
    t = outbox_table
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.c.key,
                t.c.kind,
                t.c.status,
                t.c.version,
                t.c.depends_on,
                t.c.attempts,
                t.c.next_attempt_ms,
                t.c.last_error,
                t.c.result,
            ).order_by(t.c.id)
        ).all()
    return {(row.kind if row.key.startswith("d:r1:") else row.key): Row(*row) for row in rows}


def loop(engine: Engine, response_id: str = "r1") -> dict[str, Any]:
    """The loop record of one response."""
    with engine.connect() as conn:
        row = conn.execute(
            select(loops_table).where(loops_table.c.response_id == response_id)
        ).first()
    assert row is not None, f"no loop for {response_id}"
    return dict(row._mapping)


def quarantined(engine: Engine) -> dict[str | None, tuple[str, str, str]]:
    """Unresolved quarantine items: response id -> (stage, reason code, reason)."""
    with engine.connect() as conn:
        return {
            item.response_id: (item.stage, item.reason_code, item.reason)
            for item in quarantine.unresolved(conn)
        }
