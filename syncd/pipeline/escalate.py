"""Escalate: once per loop, act on a task left open ``after_hours`` past its due time.

The hours count in the rule's business calendar. ``raise_priority`` and ``reassign`` go out as
an ``update_task`` through the outbox (key ``<source>:<response id>:escalate_task``), queued in
the transaction that records the escalation on the loop, so a crash cannot do one without the
other; ``report_only`` only records it. A rule's own ``escalation`` wins over
``[routing.escalation]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine

from syncd.actions import TaskEdit
from syncd.clock import from_ms
from syncd.loop_settings import EscalationSettings
from syncd.model import Priority
from syncd.owner_routing import find
from syncd.routing import calendar_of
from syncd.routing_settings import RoutingRule, RoutingSettings
from syncd.store import escalations, outbox
from syncd.store import owners as owner_store
from syncd.store.escalations import Overdue
from syncd.store.outbox import NewAction

log = structlog.get_logger(__name__)

ESCALATE_SUFFIX = "escalate_task"
_HOUR_MS = 3_600_000


@dataclass(slots=True)
class EscalateResult:
    """Counts of one escalation pass, per action taken."""

    by_action: dict[str, int] = field(default_factory=dict)
    #: Escalations queued as task updates in the outbox.
    queued: int = 0
    #: Loops whose ``reassign`` target is not an active CRM owner: left for a later pass.
    no_lead: int = 0


def escalation_key(loop: Overdue) -> str:
    """The outbox key of a loop's escalation update."""
    return f"{loop.key.source}:{loop.key.response_id}:{ESCALATE_SUFFIX}"


def policies(settings: RoutingSettings) -> dict[str, EscalationSettings]:
    """Per rule name, the escalation that applies to it (rules without one are left out)."""
    found: dict[str, EscalationSettings] = {}
    for rule in settings.rules:
        policy = rule.escalation or settings.escalation
        if policy is not None and policy.enabled:
            found[rule.name] = policy
    return found


def escalate_overdue(
    engine: Engine, crm: str, settings: RoutingSettings, tz: ZoneInfo, *, now_ms: int
) -> EscalateResult:
    """Escalate every loop past its rule's threshold; one transaction per loop."""
    result = EscalateResult()
    chosen = policies(settings)
    if not chosen:
        return result
    rules = {rule.name: rule for rule in settings.rules}
    # Working time never exceeds wall time, so nothing due later than this can be past it.
    shortest = min(policy.after_hours for policy in chosen.values())
    with engine.connect() as conn:
        candidates = list(escalations.overdue(conn, crm, chosen, now_ms - int(shortest * _HOUR_MS)))
    for loop in candidates:
        policy = chosen[loop.rule]
        if not _past(loop, policy, rules.get(loop.rule), settings, tz, now_ms):
            continue
        with engine.begin() as conn:
            _escalate(conn, crm, loop, policy, now_ms, result)
    if result.by_action:
        log.info("overdue loops escalated", **result.by_action)
    if result.no_lead:
        log.warning(
            "overdue loops not reassigned: the escalation's 'to' is not an active CRM owner; "
            "correct [routing.escalation] to",
            loops=result.no_lead,
        )
    return result


def _past(
    loop: Overdue,
    policy: EscalationSettings,
    rule: RoutingRule | None,
    settings: RoutingSettings,
    tz: ZoneInfo,
    now_ms: int,
) -> bool:
    calendar = calendar_of(rule, settings, tz)
    waited = calendar.working_time(from_ms(loop.due_ms), from_ms(now_ms))
    return waited >= timedelta(hours=policy.after_hours)


def _escalate(
    conn: Connection,
    crm: str,
    loop: Overdue,
    policy: EscalationSettings,
    now_ms: int,
    result: EscalateResult,
) -> None:
    edit: TaskEdit | None = None
    if policy.action == "reassign":
        lead = find([o for o in owner_store.load(conn, crm) if o.active], policy.to)
        if lead is None:
            result.no_lead += 1
            return
        edit = TaskEdit(None, None, None, owner=lead.id, task_id=loop.task_id)
    elif policy.action == "raise_priority" and loop.priority != Priority.HIGH.value:
        edit = TaskEdit(None, None, Priority.HIGH, task_id=loop.task_id)
    if not escalations.mark(conn, loop.key, policy.action, now_ms):
        return  # another replica escalated it first
    if edit is not None:
        action = NewAction(
            escalation_key(loop), crm, loop.key.source, loop.key.response_id, 1, edit
        )
        outbox.enqueue(conn, action, now_ms)
        result.queued += 1
    result.by_action[policy.action] = result.by_action.get(policy.action, 0) + 1
