"""The store as an operator sees it: small, indexed reads taken at scrape or once per pass.

Each read costs the size of what it counts, never the size of the history: outbox rows that are
done, loops that are closed and answers already planned are never scanned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from syncd.actions import ActionKind
from syncd.chunks import chunks
from syncd.model import ResponseKey
from syncd.store.outbox import Status
from syncd.store.schema import cursors, inbox, loops, outbox
from syncd.store.value_lists import one_of

#: Outbox states worth a gauge: ``done`` is history (the delivery counters count it).
OPEN_STATES = tuple(status.value for status in Status if status is not Status.DONE)
#: Keys per ``IN`` list when loops are read back by response.
CHUNK = 500


@dataclass(frozen=True, slots=True)
class LoopTimes:
    """When a loop's answer came, its task was created, was due and was closed (epoch ms)."""

    response_ms: int
    task_created_ms: int | None
    due_ms: int | None
    closed_ms: int | None


def outbox_depth(conn: Connection, crm: str) -> dict[str, int]:
    """Actions per state other than done; every state present, zero when empty.

    Served by ``ix_outbox_due`` (crm, kind, status, ...): only rows in those states are read.
    """
    query = (
        select(outbox.c.status, func.count())
        .where(
            outbox.c.crm == crm,
            outbox.c.kind.in_([kind.value for kind in ActionKind]),
            outbox.c.status.in_(OPEN_STATES),
        )
        .group_by(outbox.c.status)
    )
    depth = dict.fromkeys(OPEN_STATES, 0)
    depth.update({str(status): int(count) for status, count in conn.execute(query)})
    return depth


def backlog(conn: Connection) -> int:
    """Answers stored but not yet planned (``ix_inbox_to_plan`` leads with ``needs_plan``)."""
    query = select(func.count()).select_from(inbox).where(inbox.c.needs_plan.is_(True))
    return int(conn.execute(query).scalar() or 0)


def overdue(conn: Connection, crm: str, now_ms: int) -> int:
    """Open loops with a task whose due time has passed (``ix_loops_open_due``)."""
    query = (
        select(func.count())
        .select_from(loops)
        .where(
            loops.c.crm == crm,
            loops.c.closed_ms.is_(None),
            loops.c.due_ms < now_ms,
            loops.c.task_id.is_not(None),
        )
    )
    return int(conn.execute(query).scalar() or 0)


def cursor_updates(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """When each named cursor last moved (epoch ms), by any replica; absent when never."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    # One name per configured source: a short list of fixed length, its text already constant.
    query = select(cursors.c.name, cursors.c.updated_ms).where(cursors.c.name.in_(wanted))
    return {str(name): int(updated) for name, updated in conn.execute(query)}


def loop_times(conn: Connection, keys: Sequence[ResponseKey]) -> Mapping[ResponseKey, LoopTimes]:
    """The times of the loops of ``keys``, by primary key, a few hundred per statement."""
    by_source: dict[str, list[str]] = {}
    for key in keys:
        by_source.setdefault(key.source, []).append(key.response_id)
    found: dict[ResponseKey, LoopTimes] = {}
    for source, ids in by_source.items():
        unique = sorted(set(ids))
        for chunk in chunks(unique, CHUNK):
            query = select(
                loops.c.response_id,
                loops.c.response_ms,
                loops.c.task_created_ms,
                loops.c.due_ms,
                loops.c.closed_ms,
            ).where(loops.c.source == source, one_of(loops.c.response_id, chunk))
            for row in conn.execute(query):
                found[ResponseKey(source, row.response_id)] = LoopTimes(
                    row.response_ms, row.task_created_ms, row.due_ms, row.closed_ms
                )
    return found
