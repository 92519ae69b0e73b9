"""Loop records: one per response, stamped by plan, deliver and track."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, update

from syncd.model import ResponseKey, TaskState
from syncd.store.loop_changes import Applied, NoteCheck, apply_change, apply_changes, apply_tracked
from syncd.store.loop_outcomes import ClosureOutcomes, closure_outcomes
from syncd.store.schema import loops
from syncd.store.upsert import insert_ignore_many
from syncd.store.value_lists import one_of

__all__ = [
    "Applied",
    "Asked",
    "ClosureOutcomes",
    "LoopStart",
    "NoteCheck",
    "OpenFollowUp",
    "apply_change",
    "apply_changes",
    "apply_tracked",
    "closure_outcomes",
    "contact_of",
    "latest_synced_ms",
    "latest_synced_query",
    "open_counts",
    "open_follow_ups",
    "open_loop",
    "open_loops",
    "set_contact",
    "set_task",
    "tasks_asked",
]


@dataclass(frozen=True, slots=True)
class LoopStart:
    """What plan knows when a loop opens: the answer and its routing.

    ``seen_ms`` is when syncd first planned the answer; ``sla_start_ms`` where its SLA clock
    starts (the answer, or ``seen_ms`` when it was backfilled); ``no_task_reason`` why a rule's
    task was not created (``"too_old"``: older than ``[routing] max_task_age_days``).
    """

    key: ResponseKey
    crm: str
    category: str
    score: int
    email: str | None
    response_ms: int
    rule: str | None
    team: str | None
    priority: str | None
    due_ms: int | None
    survey: str | None = None
    seen_ms: int | None = None
    sla_start_ms: int | None = None
    no_task_reason: str | None = None


def _is(key: ResponseKey) -> ColumnElement[bool]:
    return and_(loops.c.source == key.source, loops.c.response_id == key.response_id)


def open_loop(conn: Connection, start: LoopStart, now_ms: int) -> None:
    """Create the loop record; a later version only refreshes score and category.

    The SLA clock (``due_ms``) and the routing stay those of the first answer: a comment added
    later must not move the deadline.
    """
    open_loops(conn, [start], now_ms)


def open_loops(conn: Connection, starts: Sequence[LoopStart], now_ms: int) -> None:
    """``open_loop`` for a batch: one multi-row insert; existing loops are refreshed one by one."""
    rows = [_row(start, now_ms) for start in starts]
    inserted = insert_ignore_many(conn, loops, rows)
    for start in starts:
        if (start.key.source, start.key.response_id) not in inserted:
            conn.execute(
                update(loops)
                .where(_is(start.key))
                .values(category=start.category, score=start.score, updated_ms=now_ms)
            )


def _row(start: LoopStart, now_ms: int) -> dict[str, object]:
    return {
        "source": start.key.source,
        "response_id": start.key.response_id,
        "crm": start.crm,
        "category": start.category,
        "score": start.score,
        "email": start.email,
        "response_ms": start.response_ms,
        "rule": start.rule,
        "team": start.team,
        "priority": start.priority,
        "due_ms": start.due_ms,
        "survey": start.survey,
        "seen_ms": start.seen_ms,
        "sla_start_ms": start.sla_start_ms,
        "no_task_reason": start.no_task_reason,
        "updated_ms": now_ms,
    }


def set_contact(
    conn: Connection, key: ResponseKey, contact_id: str, owner_id: str | None, now_ms: int
) -> None:
    """Link the loop to the contact deliver found, and that contact's owner."""
    conn.execute(
        update(loops)
        .where(_is(key))
        .values(contact_id=contact_id, contact_owner_id=owner_id, updated_ms=now_ms)
    )


def contact_of(conn: Connection, key: ResponseKey) -> tuple[str | None, str | None]:
    """The loop's contact id and contact owner id; (None, None) before the contact is synced."""
    row = conn.execute(select(loops.c.contact_id, loops.c.contact_owner_id).where(_is(key))).first()
    return (row.contact_id, row.contact_owner_id) if row else (None, None)


def set_task(
    conn: Connection, key: ResponseKey, task_id: str, owner_id: str | None, via: str, now_ms: int
) -> None:
    """Record the created task and its owner; the first task recorded stays."""
    conn.execute(
        update(loops)
        .where(_is(key), loops.c.task_id.is_(None))
        .values(
            task_id=task_id,
            owner_id=owner_id,
            owner_via=via,
            task_created_ms=now_ms,
            task_state=TaskState.OPEN.value,
            updated_ms=now_ms,
        )
    )


def open_counts(conn: Connection, crm: str) -> Mapping[str, int]:
    """Open loops per owner: the load ``least_open`` routing balances."""
    query = (
        select(loops.c.owner_id, func.count())
        .where(
            loops.c.crm == crm,
            loops.c.task_id.is_not(None),
            loops.c.closed_ms.is_(None),
            loops.c.owner_id.is_not(None),
        )
        .group_by(loops.c.owner_id)
    )
    return {owner: count for owner, count in conn.execute(query)}


def latest_synced_ms(conn: Connection, crm: str, contact_ids: Collection[str]) -> Mapping[str, int]:
    """Per contact, when the newest answer already linked to it was given; one indexed query.

    Backfills and retries deliver out of order; a contact must end up showing its latest answer,
    so an older one only links its loop to the contact and leaves the fields alone. Decided per
    contact, not per email: the same person may answer once by email and once by customer id.
    """
    if not contact_ids:
        return {}
    query = latest_synced_query(crm, contact_ids)
    return {contact_id: int(latest) for contact_id, latest in conn.execute(query)}


def latest_synced_query(crm: str, contact_ids: Collection[str]) -> Select[str, int]:
    """Served by ``ix_loops_contact`` (crm, contact_id, response_ms) alone."""
    return (
        select(loops.c.contact_id, func.max(loops.c.response_ms))
        .where(loops.c.crm == crm, one_of(loops.c.contact_id, sorted(contact_ids)))
        .group_by(loops.c.contact_id)
    )


@dataclass(frozen=True, slots=True)
class Asked:
    """An earlier answer whose rule planned a task for the respondent."""

    key: ResponseKey
    email: str
    rule: str
    response_ms: int


def tasks_asked(
    conn: Connection, crm: str, emails: Collection[str], rules: Collection[str], since_ms: int
) -> list[Asked]:
    """Answers since ``since_ms`` from ``emails`` for which one of ``rules`` planned a task."""
    if not emails or not rules:
        return []
    rows = conn.execute(
        select(
            loops.c.source, loops.c.response_id, loops.c.email, loops.c.rule, loops.c.response_ms
        ).where(
            loops.c.crm == crm,
            one_of(loops.c.email, sorted(emails)),
            loops.c.response_ms >= since_ms,
            one_of(loops.c.rule, sorted(rules)),
            loops.c.due_ms.is_not(None),
            loops.c.no_task_reason.is_(None),
        )
    )
    return [
        Asked(ResponseKey(row.source, row.response_id), row.email, row.rule, row.response_ms)
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class OpenFollowUp:
    """A respondent's answer whose task is planned or open (not closed)."""

    key: ResponseKey
    email: str
    category: str
    response_ms: int


def open_follow_ups(conn: Connection, crm: str, emails: Collection[str]) -> list[OpenFollowUp]:
    """The answers from ``emails`` whose task is planned or open."""
    if not emails:
        return []
    rows = conn.execute(
        select(
            loops.c.source,
            loops.c.response_id,
            loops.c.email,
            loops.c.category,
            loops.c.response_ms,
        ).where(
            loops.c.crm == crm,
            one_of(loops.c.email, sorted(emails)),
            loops.c.due_ms.is_not(None),
            loops.c.no_task_reason.is_(None),
            loops.c.closed_ms.is_(None),
        )
    )
    return [
        OpenFollowUp(
            ResponseKey(row.source, row.response_id), row.email, row.category, row.response_ms
        )
        for row in rows
    ]
