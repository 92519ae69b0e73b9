"""``syncd plan``: every CRM side effect the pending work would cause, without causing any.

The plan stage runs on the unplanned answers inside one transaction that is always rolled back;
within it, the outbox's pending and in-flight actions (those just planned and those already
waiting) are listed. Nothing is sent to the CRM and nothing is kept in the store. Owners are
shown as the rule's strategy chain: the owner itself is chosen at delivery, from the contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from syncd.actions import ActionBody, ContactSync, LoopClosedMark, TaskCreate, TaskEdit
from syncd.chunks import chunks
from syncd.contact_match import BY_EMAIL, ContactMatch
from syncd.pipeline.plan import PlanResult, plan_batch
from syncd.routing_settings import RoutingSettings
from syncd.store import inbox
from syncd.store.action_codec import UnreadableAction, from_json
from syncd.store.outbox import ActionKind, Status
from syncd.store.outbox_types import UNSENT
from syncd.store.schema import loops, outbox
from syncd.store.value_lists import one_of

#: Response ids per lookup of the answers that get no task.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Effect:
    """One CRM write the deliver stage would make: its action, and what it would write."""

    key: str
    kind: str
    #: "planned" (by this dry run), "waiting", "pending" or "in_flight" (already in the
    #: outbox).
    origin: str
    details: dict[str, str]


@dataclass(slots=True)
class DryRun:
    """Every would-be effect, the answers that would get no task (and why), and the counts."""

    effects: list[Effect] = field(default_factory=list)
    no_task: dict[str, str] = field(default_factory=dict)
    plan: PlanResult = field(default_factory=PlanResult)
    #: True when more answers wait than ``limit`` let this run plan.
    truncated: bool = False

    def counts(self) -> dict[str, int]:
        """Effects per action kind."""
        found: dict[str, int] = {}
        for effect in self.effects:
            found[effect.kind] = found.get(effect.kind, 0) + 1
        return found


def dry_run(
    engine: Engine,
    crm: str,
    routing: RoutingSettings,
    tz: ZoneInfo,
    *,
    now_ms: int,
    match_by: Sequence[ContactMatch] = (BY_EMAIL,),
    limit: int = 5000,
) -> DryRun:
    """Plan up to ``limit`` waiting answers in a rolled-back transaction; list the effects."""
    found = DryRun()
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            responses = inbox.unplanned(conn, limit + 1)
            found.truncated = len(responses) > limit
            responses = responses[:limit]
            before = _last_id(conn)
            found.plan = plan_batch(
                conn, crm, routing, tz, responses, now_ms=now_ms, match_by=match_by
            )
            found.effects = _effects(conn, crm, before)
            keys = {(r.source, r.response_id) for r in responses}
            found.no_task = _no_task(conn, keys)
        finally:
            transaction.rollback()
    return found


def _last_id(conn: Connection) -> int:
    return int(
        conn.execute(select(outbox.c.id).order_by(outbox.c.id.desc()).limit(1)).scalar() or 0
    )


def _effects(conn: Connection, crm: str, before: int) -> list[Effect]:
    rows = conn.execute(
        select(outbox.c.id, outbox.c.key, outbox.c.kind, outbox.c.status, outbox.c.payload)
        .where(
            outbox.c.crm == crm,
            outbox.c.status.in_((*UNSENT, Status.IN_FLIGHT.value)),
        )
        .order_by(outbox.c.id)
    )
    effects = []
    for row in rows:
        origin = "planned" if row.id > before else row.status
        try:
            details = describe(from_json(ActionKind(row.kind), row.payload))
        except (UnreadableAction, ValueError) as error:
            details = {"unreadable": str(error)[:200]}
        effects.append(Effect(row.key, row.kind, origin, details))
    return effects


def _no_task(conn: Connection, keys: set[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(keys)
    for chunk in chunks(ordered, _CHUNK):
        ids = sorted({response_id for _, response_id in chunk})
        rows = conn.execute(
            select(loops.c.source, loops.c.response_id, loops.c.no_task_reason).where(
                one_of(loops.c.response_id, ids), loops.c.no_task_reason.is_not(None)
            )
        )
        for row in rows:
            if (row.source, row.response_id) in keys:
                found[f"{row.source}:{row.response_id}"] = str(row.no_task_reason)
    return found


def describe(body: ActionBody) -> dict[str, str]:
    """What an action would write, as short text (no comment text: only whether there is one)."""
    if isinstance(body, ContactSync):
        who, nps = body.respondent, body.fields
        return {
            "contact": who.email or who.external_id or who.person_id or "(no identifier)",
            "score": str(nps.score),
            "category": nps.category.value,
            "responded_at": nps.responded_at.isoformat(timespec="minutes"),
            "comment": "yes" if nps.comment else "no",
        }
    if isinstance(body, TaskCreate):
        return {
            "rule": body.rule,
            "team": body.team or "",
            "owner": " > ".join(body.owner_chain),
            "priority": body.priority.value,
            "due": body.due_at.isoformat(timespec="minutes"),
            "subject": body.subject[:120],
        }
    if isinstance(body, LoopClosedMark):
        closed = body.closed_at
        when = "(cleared)" if closed is None else closed.isoformat(timespec="minutes")
        return {"contact": body.contact_id, "loop_closed_at": when}
    return _describe_edit(body)


def _describe_edit(edit: TaskEdit) -> dict[str, str]:
    details = {"task": edit.task_id or edit.target or "(its own create)"}
    if edit.subject is not None:
        details["subject"] = edit.subject[:120]
    if edit.body is not None:
        details["body"] = f"{len(edit.body)} characters"
    if edit.priority is not None:
        details["priority"] = edit.priority.value
    if edit.owner is not None:
        details["owner"] = edit.owner
    return details
