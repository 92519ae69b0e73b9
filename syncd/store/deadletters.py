"""Dead letters: outbox actions given up after their attempts, listed and replayed by an admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, func, select

from syncd.store.outbox import Status
from syncd.store.revive import revive
from syncd.store.schema import outbox
from syncd.store.value_lists import one_of


@dataclass(frozen=True, slots=True)
class DeadFilter:
    """Which dead letters an admin means; every field left empty matches everything."""

    since_ms: int | None = None
    kind: str | None = None
    source: str | None = None
    reason_contains: str | None = None
    ids: Sequence[int] = ()


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An outbox action that ended dead, as ``syncd deadletter`` lists it."""

    id: int
    key: str
    kind: str
    source: str
    response_id: str
    attempts: int
    last_error: str
    updated_ms: int


def list_dead(conn: Connection, wanted: DeadFilter, limit: int = 10_000) -> list[DeadLetter]:
    """Dead actions matching ``wanted``, oldest first."""
    rows = conn.execute(
        select(outbox).where(*_conditions(wanted)).order_by(outbox.c.id).limit(limit)
    )
    return [
        DeadLetter(
            id=r.id,
            key=r.key,
            kind=r.kind,
            source=r.source,
            response_id=r.response_id,
            attempts=r.attempts,
            last_error=r.last_error or "",
            updated_ms=r.updated_ms,
        )
        for r in rows
    ]


def replay_dead(conn: Connection, wanted: DeadFilter, now_ms: int) -> list[str]:
    """Send matching dead actions (and what was skipped because of them) again; their keys."""
    keys = [letter.key for letter in list_dead(conn, wanted)]
    return revive(conn, keys, now_ms) if keys else []


def _conditions(wanted: DeadFilter) -> list[ColumnElement[bool]]:
    conditions = [outbox.c.status == Status.DEAD.value]
    if wanted.since_ms is not None:
        conditions.append(outbox.c.updated_ms >= wanted.since_ms)
    if wanted.kind:
        conditions.append(outbox.c.kind == wanted.kind)
    if wanted.source:
        conditions.append(outbox.c.source == wanted.source)
    if wanted.reason_contains:
        needle = wanted.reason_contains.lower()
        conditions.append(func.lower(outbox.c.last_error).contains(needle, autoescape=True))
    if wanted.ids:
        conditions.append(one_of(outbox.c.id, wanted.ids))
    return conditions
