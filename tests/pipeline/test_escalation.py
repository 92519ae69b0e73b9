"""Overdue loops are escalated once, in business time, through the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.loop_settings import EscalationSettings
from syncd.model import Owner, Priority, ResponseKey, TaskChange, TaskState
from syncd.pipeline.escalate import escalate_overdue
from syncd.routing_settings import RoutingSettings
from syncd.store import escalations, loops
from tests.pipeline.flow import T0, Clock, answer, deliver, loop, outbox_rows, plan, rule
from tests.pipeline.stub_crm import StubCrm

LEAD = Owner("o-lead", "lead@corp.example", "Lea", frozenset({"Support"}))
OWNER = Owner("o-1", "ann@corp.example", "Ann", frozenset({"Support"}))
UTC = ZoneInfo("UTC")


def _routing(
    escalation: EscalationSettings | None, own: EscalationSettings | None = None
) -> RoutingSettings:
    # Due one business day after the answer (Monday 09:00): Tuesday 09:00.
    follow_up = rule(priority="medium", due_business_days=1, escalation=own)
    return RoutingSettings(rules=(follow_up,), escalation=escalation)


def _task_open(engine: Engine, settings: RoutingSettings) -> StubCrm:
    crm = StubCrm(owners=[OWNER, LEAD])
    crm.add("c1", "ann@x.example", "o-1")
    plan(engine, answer("r1"), settings=settings)
    deliver(engine, crm, settings=settings)
    assert loop(engine)["task_id"] == "task-1"
    return crm


def _escalate(engine: Engine, settings: RoutingSettings, at: datetime) -> dict[str, int]:
    return escalate_overdue(engine, "stub", settings, UTC, now_ms=to_ms(at)).by_action


def test_raise_priority_once_after_the_threshold(engine: Engine) -> None:
    settings = _routing(EscalationSettings(after_hours=4, action="raise_priority"))
    crm = _task_open(engine, settings)
    due = T0 + timedelta(days=1)
    assert _escalate(engine, settings, due + timedelta(hours=3)) == {}
    assert _escalate(engine, settings, due + timedelta(hours=4)) == {"raise_priority": 1}
    assert _escalate(engine, settings, due + timedelta(hours=40)) == {}  # at most once

    record = loop(engine)
    assert (record["escalation"], record["escalated_ms"]) == (
        "raise_priority",
        to_ms(due + timedelta(hours=4)),
    )
    assert outbox_rows(engine)["update_task"].depends_on is None
    deliver(engine, crm, settings=settings, clock=Clock(due + timedelta(hours=4)))
    (sent,) = crm.task_updates
    assert (sent.key, sent.task_id, sent.priority) == (
        "d:r1:escalate_task",
        "task-1",
        Priority.HIGH,
    )
    assert (sent.subject, sent.body, sent.owner_id) == (None, None, None)  # text left alone


def test_threshold_counts_business_hours_across_a_weekend(engine: Engine) -> None:
    # Due Friday 09:00 (answered Thursday); 24 business hours later is Monday 09:00.
    settings = _routing(EscalationSettings(after_hours=24, action="report_only"))
    crm = StubCrm(owners=[OWNER])
    crm.add("c1", "ann@x.example", "o-1")
    thursday = T0 + timedelta(days=3)
    plan(engine, answer("r1", submitted_at=thursday), settings=settings)
    deliver(engine, crm, settings=settings)
    friday = thursday + timedelta(days=1)
    assert _escalate(engine, settings, friday + timedelta(hours=47)) == {}  # Sunday 08:00
    assert _escalate(engine, settings, friday + timedelta(days=3)) == {"report_only": 1}
    assert loop(engine)["escalation"] == "report_only"
    assert "update_task" not in outbox_rows(engine)  # nothing to send


def test_reassign_to_the_lead_by_email(engine: Engine) -> None:
    settings = _routing(
        EscalationSettings(after_hours=0, action="reassign", to="LEAD@corp.example")
    )
    crm = _task_open(engine, settings)
    later = T0 + timedelta(days=2)
    assert _escalate(engine, settings, later) == {"reassign": 1}
    deliver(engine, crm, settings=settings, clock=Clock(later))
    (sent,) = crm.task_updates
    assert (sent.owner_id, sent.priority, sent.body) == ("o-lead", None, None)


def test_reassign_to_an_unknown_lead_waits_and_records_nothing(engine: Engine) -> None:
    settings = _routing(EscalationSettings(after_hours=0, action="reassign", to="nobody@x"))
    _task_open(engine, settings)
    result = escalate_overdue(engine, "stub", settings, UTC, now_ms=to_ms(T0 + timedelta(days=2)))
    assert (result.by_action, result.no_lead) == ({}, 1)
    assert loop(engine)["escalated_ms"] is None


def test_closed_loops_and_rules_opting_out_are_not_escalated(engine: Engine) -> None:
    off = EscalationSettings(enabled=False)
    settings = _routing(EscalationSettings(after_hours=0), own=off)
    _task_open(engine, settings)
    assert _escalate(engine, settings, T0 + timedelta(days=9)) == {}

    settings = _routing(EscalationSettings(after_hours=0))
    done = T0 + timedelta(hours=2)
    with engine.begin() as conn:
        change = TaskChange("task-1", TaskState.COMPLETED, done, completed_at=done)
        loops.apply_changes(conn, "stub", [change], to_ms(done))
    assert _escalate(engine, settings, T0 + timedelta(days=9)) == {}
    assert loop(engine)["escalated_ms"] is None


def test_no_escalation_configured_reads_nothing(engine: Engine) -> None:
    settings = _routing(None)
    _task_open(engine, settings)
    assert _escalate(engine, settings, T0 + timedelta(days=30)) == {}


def test_reassign_needs_a_target() -> None:
    with pytest.raises(ValueError, match="needs to ="):
        EscalationSettings(action="reassign")


def test_many_overdue_loops_are_walked_page_by_page(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escalations, "PAGE", 5)
    settings = _routing(EscalationSettings(after_hours=0, action="report_only"))
    with engine.begin() as conn:
        for n in range(13):
            key = ResponseKey("d", f"r{n:05}")
            start = loops.LoopStart(
                key, "stub", "detractor", 3, None, 0, "follow-up", None, "medium", n % 2
            )
            loops.open_loop(conn, start, 0)
            loops.set_task(conn, key, f"t{n}", "o-1", "contact_owner", 0)
    assert _escalate(engine, settings, T0) == {"report_only": 13}
