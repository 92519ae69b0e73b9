"""Plan: turn the newest version of each inbox response into outbox actions and a loop record.

Each response yields ``sync_contact``, and (when a rule asks) ``create_task`` waiting on it. A
later version rewrites those actions; once the create is done, the new content goes out as
``update_task`` on the task it recorded. Until then the create itself carries the newest content:
creates are idempotent on their key, so a late comment never creates a second task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, Engine

from syncd.actions import ActionBody, ContactSync, TaskCreate, TaskEdit
from syncd.clock import from_ms, to_ms
from syncd.contact_match import BY_EMAIL, ContactMatch
from syncd.model import NpsFields, RespondentId, SurveyResponse
from syncd.pipeline.merge_open import OpenFollowUps
from syncd.pipeline.sla_clock import SlaClock, sla_clock
from syncd.pipeline.throttle import Throttle
from syncd.routing import RoutingDecision, TaskPlan, route
from syncd.routing_settings import RoutingSettings
from syncd.store import inbox, loops, quarantine
from syncd.store.codec import response_to_json
from syncd.store.outbox import Enqueued, NewAction, enqueue, enqueue_all, key_for

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PlanResult:
    """Counts of one plan pass; ``drained`` is False when it stopped at ``max_batches``."""

    planned: int = 0
    tasks: int = 0
    task_updates: int = 0
    unmatchable: int = 0
    #: Answers whose rule asked the respondent within its ``once_per_days``: no task.
    throttled: int = 0
    #: Answers merged into their respondent's open follow-up of the same category.
    merged: int = 0
    drained: bool = True
    #: ``planned`` and ``unmatchable`` per source, for the metrics.
    planned_by_source: dict[str, int] = field(default_factory=dict)
    unmatchable_by_source: dict[str, int] = field(default_factory=dict)

    def add(self, later: PlanResult) -> PlanResult:
        """This pass's counts followed by ``later``'s; drained as ``later`` left it."""
        return PlanResult(
            self.planned + later.planned,
            self.tasks + later.tasks,
            self.task_updates + later.task_updates,
            self.unmatchable + later.unmatchable,
            self.throttled + later.throttled,
            self.merged + later.merged,
            later.drained,
            _merged(self.planned_by_source, later.planned_by_source),
            _merged(self.unmatchable_by_source, later.unmatchable_by_source),
        )


def _merged(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    return {key: first.get(key, 0) + second.get(key, 0) for key in first.keys() | second.keys()}


def _tally(counts: dict[str, int], source: str) -> None:
    counts[source] = counts.get(source, 0) + 1


def plan_pending(
    engine: Engine,
    crm: str,
    routing: RoutingSettings,
    tz: ZoneInfo,
    *,
    now_ms: int,
    batch_size: int = 500,
    match_by: Sequence[ContactMatch] = (BY_EMAIL,),
    max_batches: int | None = None,
) -> PlanResult:
    """Plan every unplanned response (at most ``max_batches`` batches), a batch per transaction.

    ``match_by`` is how the CRM finds contacts; an answer carrying none of those identifiers
    cannot reach one and is quarantined here instead. A batch costs a fixed number of
    statements (multi-row inserts), not a few per response.
    """
    result = PlanResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        with engine.begin() as conn:
            responses = inbox.unplanned(conn, batch_size)
            _plan_batch(conn, _Batch(crm, routing, tz, now_ms, match_by), responses, result)
            inbox.mark_all_planned(conn, responses)
        batches += 1
        if len(responses) < batch_size:
            return result
    result.drained = False
    return result


def plan_batch(
    conn: Connection,
    crm: str,
    routing: RoutingSettings,
    tz: ZoneInfo,
    responses: Sequence[SurveyResponse],
    *,
    now_ms: int,
    match_by: Sequence[ContactMatch] = (BY_EMAIL,),
) -> PlanResult:
    """Plan ``responses`` within the caller's transaction (``syncd plan`` rolls it back)."""
    result = PlanResult()
    _plan_batch(conn, _Batch(crm, routing, tz, now_ms, match_by), responses, result)
    inbox.mark_all_planned(conn, responses)
    return result


@dataclass(frozen=True, slots=True)
class _Batch:
    """What every response of a batch is planned with."""

    crm: str
    routing: RoutingSettings
    tz: ZoneInfo
    now_ms: int
    match_by: Sequence[ContactMatch]


def _plan_batch(
    conn: Connection, batch: _Batch, responses: Sequence[SurveyResponse], result: PlanResult
) -> None:
    starts: list[loops.LoopStart] = []
    actions: list[NewAction] = []
    creates: dict[str, tuple[SurveyResponse, TaskPlan]] = {}
    routed: list[tuple[SurveyResponse, RoutingDecision, SlaClock]] = []
    for response in responses:
        result.planned += 1
        _tally(result.planned_by_source, response.source)
        if _quarantined(conn, batch, response, result):
            continue
        clock = sla_clock(response, batch.routing, batch.now_ms)
        decision = route(response, batch.routing, batch.tz, from_ms(clock.start_ms))
        routed.append((response, decision, clock))
    planned = [(r, d) for r, d, _ in routed]
    throttle = Throttle(conn, batch.crm, batch.routing, planned)
    follow_ups = OpenFollowUps(conn, batch.crm, batch.routing.merge_open_tasks, planned)
    for response, routed_to, clock in routed:
        reason = _no_task_reason(response, routed_to, clock, throttle)
        merge = None
        if reason is None and routed_to.task is not None:
            merge = follow_ups.merge(response, routed_to.task)
            reason = None if merge is None else "merged"
        decision = routed_to if reason is None else replace(routed_to, task=None)
        result.throttled += reason == "throttled"
        result.merged += reason == "merged"
        starts.append(_loop_start(batch.crm, response, decision, clock, batch.now_ms, reason))
        sync = _action(batch.crm, response, contact_sync(response), None)
        actions.append(sync)
        if merge is not None:
            actions.append(_action(batch.crm, response, merge, merge.target))
        if decision.task is not None:
            create = _action(batch.crm, response, task_create(decision.task), sync.key)
            actions.append(create)
            creates[create.key] = (response, decision.task)
    loops.open_loops(conn, starts, batch.now_ms)
    outcomes = enqueue_all(conn, actions, batch.now_ms)
    for key, (response, task) in creates.items():
        if outcomes[key] is Enqueued.INSERTED:
            result.tasks += 1
        elif outcomes[key] is Enqueued.FROZEN:
            # The task exists: the new content goes out as an update of it.
            result.task_updates += 1
            enqueue(conn, _action(batch.crm, response, task_edit(task), key), batch.now_ms)


def _no_task_reason(
    response: SurveyResponse, decision: RoutingDecision, clock: SlaClock, throttle: Throttle
) -> str | None:
    """Why the task a rule asks for is not created: too old for a task, or asked too recently."""
    if decision.task is None:
        return None
    if clock.too_old:
        return "too_old"
    if not throttle.allows(response, decision):
        return "throttled"
    return None


def _quarantined(
    conn: Connection, batch: _Batch, response: SurveyResponse, result: PlanResult
) -> bool:
    unmatchable = unmatchable_reason(response, batch.match_by)
    if unmatchable is None:
        return False
    result.unmatchable += 1
    _tally(result.unmatchable_by_source, response.source)
    quarantine.add(
        conn,
        source=response.source,
        response_id=response.response_id,
        stage="plan",
        reason_code="unmatchable",
        reason=unmatchable,
        payload=response_to_json(response),
        now_ms=batch.now_ms,
    )
    return True


def _action(
    crm: str, response: SurveyResponse, payload: ActionBody, depends_on: str | None
) -> NewAction:
    return NewAction(
        key=key_for(response.source, response.response_id, payload.kind),
        crm=crm,
        source=response.source,
        response_id=response.response_id,
        version=response.version,
        payload=payload,
        depends_on=depends_on,
    )


def unmatchable_reason(response: SurveyResponse, match_by: Sequence[ContactMatch]) -> str | None:
    """Why no configured identifier can find the respondent's contact; None when one can."""
    respondent = response.respondent
    if any(respondent.get(match.identifier) for match in match_by):
        return None
    missing = " and no ".join(match.identifier.value for match in match_by)
    configured = ", ".join(str(match) for match in match_by)
    carried = [i for i in RespondentId if respondent.get(i)]
    has = ""
    if carried:
        entry = "email" if carried[0] is RespondentId.EMAIL else f"{carried[0]}:<crm property>"
        has = f"; it carries only {' and '.join(carried)}: add {entry} to match by it"
    return f"respondent has no {missing}, which [crm] match_contacts_by lists ({configured}){has}"


def _loop_start(
    crm: str,
    response: SurveyResponse,
    decision: RoutingDecision,
    clock: SlaClock,
    seen_ms: int,
    no_task_reason: str | None,
) -> loops.LoopStart:
    task = decision.task
    return loops.LoopStart(
        key=response.key,
        crm=crm,
        category=response.category.value,
        score=response.score,
        email=response.email,
        response_ms=to_ms(response.submitted_at),
        rule=decision.rule,
        team=decision.team,
        priority=task.priority.value if task else None,
        due_ms=to_ms(task.due_at) if task else None,
        survey=response.survey,
        seen_ms=seen_ms,
        sla_start_ms=clock.start_ms,
        no_task_reason=no_task_reason,
    )


def contact_sync(response: SurveyResponse) -> ContactSync:
    """The contact write for ``response``: every identifier, so deliver can try each in turn."""
    return ContactSync(
        respondent=response.respondent,
        fields=NpsFields(
            score=response.score,
            category=response.category,
            responded_at=response.submitted_at,
            comment=response.comment,
            link=response.link,
            survey=response.survey,
            source=response.source,
        ),
    )


def task_create(task: TaskPlan) -> TaskCreate:
    """The create for the task a rule asks for; its owner is chosen at delivery."""
    return TaskCreate(
        rule=task.rule,
        team=task.team,
        owner_chain=task.owner_chain,
        subject=task.subject,
        body=task.body,
        priority=task.priority,
        due_at=task.due_at,
    )


def task_edit(task: TaskPlan) -> TaskEdit:
    """The new content of a task an earlier version of the answer created."""
    return TaskEdit(subject=task.subject, body=task.body, priority=task.priority)
