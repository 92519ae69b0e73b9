"""Task changes read back from the CRM, stamped on loop records: touch, close, reopen, owner,
and what closing achieved (the outcome)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, update

from syncd.clock import to_ms
from syncd.model import ResponseKey, TaskChange, TaskState
from syncd.store.schema import loops
from syncd.store.value_lists import one_of

#: At most this many task ids go with one read as the ``closed`` hint (one search filter's worth);
#: past it the hint is left out and a connector reads every change.
CLOSED_HINT_LIMIT = 100


def closed_task_ids(
    conn: Connection, crm: str, since_ms: int, limit: int
) -> tuple[str, ...] | None:
    """Tasks of loops closed at or after ``since_ms`` (``ix_loops_open_due``); None when more
    than ``limit`` closed, so the read cannot be narrowed to a few named tasks."""
    rows = conn.execute(
        select(loops.c.task_id)
        .where(loops.c.crm == crm, loops.c.closed_ms >= since_ms, loops.c.task_id.is_not(None))
        .limit(limit + 1)
    ).all()
    ids = tuple(sorted({str(row.task_id) for row in rows}))
    return ids if len(rows) <= limit else None


def _is(key: ResponseKey) -> ColumnElement[bool]:
    return and_(loops.c.source == key.source, loops.c.response_id == key.response_id)


def apply_change(conn: Connection, crm: str, change: TaskChange, now_ms: int) -> bool:
    """Stamp first touch / close / reopen / reassignment; False if the task is not syncd's.

    First touch is the CRM time of the first change seen away from "not started"; a completed
    task seen open again is reopened: ``closed_ms`` cleared, ``reopened_ms`` set to the CRM time.
    """
    return apply_changes(conn, crm, [change], now_ms) == 1


def apply_changes(conn: Connection, crm: str, changes: Sequence[TaskChange], now_ms: int) -> int:
    """``apply_change`` for a page of changes, in order: one read for the page, then an update
    per loop that changed. Returns how many changes were syncd's tasks."""
    return apply_tracked(conn, crm, changes, now_ms).matched


@dataclass(slots=True)
class Applied:
    """What a page of task changes did: how many were syncd's tasks, and the loops it closed."""

    matched: int = 0
    closed: list[ResponseKey] = field(default_factory=list)
    #: Loops the page reopened (a completed task seen open again).
    reopened: list[ResponseKey] = field(default_factory=list)


def apply_tracked(
    conn: Connection,
    crm: str,
    changes: Sequence[TaskChange],
    now_ms: int,
    note_of: NoteCheck | None = None,
) -> Applied:
    """``apply_changes``, also naming the loops closed by the page.

    A completed task's outcome is the change's ``outcome`` (the configured CRM field); without
    one, ``note_of(loop, body)`` tells whether the body read back carries the owner's note.
    """
    current = _loops_of_tasks(conn, crm, {change.task_id for change in changes})
    applied = Applied()
    for change in changes:
        row = current.get(change.task_id)
        if row is None:
            continue
        applied.matched += 1
        if (row["task_modified_ms"] or 0) > to_ms(change.modified_at):
            continue  # an older view of the task (lagging search index): keep what we know
        values = _stamps(row, change)
        key = ResponseKey(row["source"], row["response_id"])
        if change.state is TaskState.COMPLETED:
            outcome = _outcome(key, change, note_of)
            if outcome != row["outcome"]:
                values["outcome"] = outcome
        if values:
            conn.execute(update(loops).where(_is(key)).values(**values, updated_ms=now_ms))
            if values.get("closed_ms") is not None:
                applied.closed.append(key)
            elif "closed_ms" in values:
                applied.reopened.append(key)
            row.update(values)  # the same task may change again later in the page
    return applied


#: (the loop, the task body read back) -> whether the owner changed what syncd wrote.
NoteCheck = Callable[[ResponseKey, str], bool]
#: Longest outcome kept: a field value, not a story.
OUTCOME_LENGTH = 200
#: The outcome of a completed task with no outcome field whose description the owner changed.
NOTE = "note"


def _outcome(key: ResponseKey, change: TaskChange, note_of: NoteCheck | None) -> str | None:
    if change.outcome and change.outcome.strip():
        return change.outcome.strip()[:OUTCOME_LENGTH]
    if change.body is not None and note_of is not None and note_of(key, change.body):
        return NOTE
    return None


def _loops_of_tasks(
    conn: Connection, crm: str, task_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    if not task_ids:
        return {}
    query = select(
        loops.c.task_id,
        loops.c.source,
        loops.c.response_id,
        loops.c.first_touch_ms,
        loops.c.task_state,
        loops.c.owner_id,
        loops.c.closed_ms,
        loops.c.task_modified_ms,
        loops.c.outcome,
    ).where(loops.c.crm == crm, one_of(loops.c.task_id, sorted(task_ids)))
    found: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query):
        found.setdefault(row.task_id, dict(row._mapping))
    return found


def _stamps(current: Mapping[str, Any], change: TaskChange) -> dict[str, object]:
    values: dict[str, object] = {}
    modified = to_ms(change.modified_at)
    if change.state is not TaskState.OPEN and current["first_touch_ms"] is None:
        values["first_touch_ms"] = modified
    if change.state is TaskState.COMPLETED and current["closed_ms"] is None:
        values["closed_ms"] = to_ms(change.completed_at or change.modified_at)
    if change.state is not TaskState.COMPLETED and current["closed_ms"] is not None:
        values["closed_ms"] = None  # reopened: the loop is open again
        values["reopened_ms"] = modified
        values["outcome"] = None  # the next completion says what came of it
    if modified != current["task_modified_ms"]:
        values["task_modified_ms"] = modified
    if change.state.value != current["task_state"]:
        values["task_state"] = change.state.value
    if change.owner_id and change.owner_id != current["owner_id"]:
        values.update(owner_id=change.owner_id, owner_via="reassigned")
    return values
