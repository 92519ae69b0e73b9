"""Quarantine: input syncd could not process, with a reason an admin can read and replay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, and_, select, update

from syncd.store.schema import quarantine
from syncd.store.value_lists import one_of


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    """A quarantined item: what was set aside, at which stage, and why."""

    id: int
    source: str
    response_id: str | None
    stage: str
    reason_code: str
    reason: str
    payload: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to quarantine (see ``add``); ``response_id`` None is known by its payload."""

    source: str
    response_id: str | None
    stage: str
    reason_code: str
    reason: str
    payload: str


def add_all(conn: Connection, items: Sequence[NewItem], now_ms: int) -> int:
    """``add`` for many items: one read of the unresolved ones already held (by response id)
    and one multi-row insert. Items without a response id go through ``add``. Returns how many
    were recorded."""
    with_id = [item for item in items if item.response_id is not None]
    held: set[tuple[str, str | None, str]] = set()
    for source in sorted({item.source for item in with_id}):
        ids = sorted({item.response_id for item in with_id if item.source == source}, key=str)
        held |= {
            (row.source, row.response_id, row.reason_code)
            for row in conn.execute(
                select(
                    quarantine.c.source, quarantine.c.response_id, quarantine.c.reason_code
                ).where(
                    quarantine.c.source == source,
                    one_of(quarantine.c.response_id, ids),
                    quarantine.c.resolved_ms.is_(None),
                )
            )
        }
    rows: dict[tuple[str, str | None, str], dict[str, Any]] = {}
    for item in with_id:
        known = (item.source, item.response_id, item.reason_code)
        if known not in held:
            rows.setdefault(known, {**_values(item), "created_ms": now_ms})
    if rows:
        conn.execute(quarantine.insert(), list(rows.values()))
    added = len(rows)
    for item in items:
        if item.response_id is None:
            added += add(conn, **_values(item), now_ms=now_ms)
    return added


def _values(item: NewItem) -> dict[str, Any]:
    return {
        "source": item.source,
        "response_id": item.response_id,
        "stage": item.stage,
        "reason_code": item.reason_code,
        "reason": item.reason,
        "payload": item.payload,
    }


def add(
    conn: Connection,
    *,
    source: str,
    response_id: str | None,
    stage: str,
    reason_code: str,
    reason: str,
    payload: str,
    now_ms: int,
) -> bool:
    """Record an item; False when it is already quarantined (unresolved) for the same reason.

    An item is known by its response id; one without a usable id by its payload, which sources
    write canonically (same item, same text), so it is quarantined once, not on every pass.
    """
    same_item = (
        quarantine.c.response_id == response_id
        if response_id is not None
        else and_(quarantine.c.response_id.is_(None), quarantine.c.payload == payload)
    )
    existing = select(quarantine.c.id).where(
        quarantine.c.source == source,
        same_item,
        quarantine.c.reason_code == reason_code,
        quarantine.c.resolved_ms.is_(None),
    )
    if conn.execute(existing.limit(1)).first() is not None:
        return False
    conn.execute(
        quarantine.insert().values(
            source=source,
            response_id=response_id,
            stage=stage,
            reason_code=reason_code,
            reason=reason,
            payload=payload,
            created_ms=now_ms,
        )
    )
    return True


def unresolved(conn: Connection, limit: int = 1000) -> Sequence[QuarantinedItem]:
    """The items not yet resolved, oldest first."""
    rows = conn.execute(
        select(quarantine)
        .where(quarantine.c.resolved_ms.is_(None))
        .order_by(quarantine.c.id)
        .limit(limit)
    )
    return [item_of(row) for row in rows]


def item_of(row: Row[Any]) -> QuarantinedItem:
    """A quarantine row as the value the admin commands show."""
    return QuarantinedItem(
        id=row.id,
        source=row.source,
        response_id=row.response_id,
        stage=row.stage,
        reason_code=row.reason_code,
        reason=row.reason,
        payload=row.payload,
        created_ms=row.created_ms,
    )


def resolve(conn: Connection, item_id: int, now_ms: int) -> None:
    """Mark an item resolved; it stays in the table for the record."""
    conn.execute(update(quarantine).where(quarantine.c.id == item_id).values(resolved_ms=now_ms))
