"""Quarantine for an admin: list with filters, replay what can be replayed, resolve the rest.

A deliver-stage item names its outbox action (its ``payload`` is the action's key); replaying it
sends that action again with fresh attempts, together with the actions that were skipped because
of it (the task of an answer whose contact was unknown). A poll-stage item holds the vendor's raw
payload, which only the source connector can parse; it is not replayed from the store: once the
answer is corrected at the source, its changed ``updated_at`` brings it back on the next poll, and
the admin resolves the old item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Connection, func, select, update

from syncd.store.outbox import Status
from syncd.store.quarantine import QuarantinedItem, item_of
from syncd.store.revive import revive
from syncd.store.schema import outbox, quarantine
from syncd.store.value_lists import one_of

DELIVER_STAGE = "deliver"


@dataclass(frozen=True, slots=True)
class QuarantineFilter:
    """Which quarantined items an admin means; empty fields match everything unresolved."""

    since_ms: int | None = None
    source: str | None = None
    stage: str | None = None
    reason_code: str | None = None
    reason_contains: str | None = None
    ids: Sequence[int] = ()
    include_resolved: bool = False


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay did: outbox keys due again, and items it left alone with why."""

    replayed: list[str] = field(default_factory=list)
    left: list[tuple[QuarantinedItem, str]] = field(default_factory=list)


def list_items(
    conn: Connection, wanted: QuarantineFilter, limit: int = 10_000
) -> list[QuarantinedItem]:
    """The items ``wanted`` selects, oldest first, at most ``limit``."""
    rows = conn.execute(
        select(quarantine).where(*_conditions(wanted)).order_by(quarantine.c.id).limit(limit)
    )
    return [item_of(row) for row in rows]


def replay_items(conn: Connection, items: Sequence[QuarantinedItem], now_ms: int) -> ReplayReport:
    """Send each deliver-stage item's action again and resolve the item; report the others."""
    report = ReplayReport()
    for item in items:
        reason = _not_replayable(conn, item)
        if reason is not None:
            report.left.append((item, reason))
            continue
        report.replayed.extend(revive(conn, [item.payload], now_ms))
        resolve_items(conn, [item.id], now_ms)
    return report


def resolve_items(conn: Connection, ids: Sequence[int], now_ms: int) -> int:
    """Mark items handled; they leave the unresolved list. Returns how many changed."""
    if not ids:
        return 0
    return conn.execute(
        update(quarantine)
        .where(one_of(quarantine.c.id, ids), quarantine.c.resolved_ms.is_(None))
        .values(resolved_ms=now_ms)
    ).rowcount


def _not_replayable(conn: Connection, item: QuarantinedItem) -> str | None:
    if item.stage != DELIVER_STAGE:
        return "poll-stage input: correct the answer at the source (the next poll reads it again)"
    status = conn.execute(select(outbox.c.status).where(outbox.c.key == item.payload)).scalar()
    if status != Status.QUARANTINED.value:
        return f"its action is {status or 'gone'} now (a newer answer replaced it)"
    return None


def _conditions(wanted: QuarantineFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not wanted.include_resolved:
        conditions.append(quarantine.c.resolved_ms.is_(None))
    if wanted.since_ms is not None:
        conditions.append(quarantine.c.created_ms >= wanted.since_ms)
    for column, value in (
        (quarantine.c.source, wanted.source),
        (quarantine.c.stage, wanted.stage),
        (quarantine.c.reason_code, wanted.reason_code),
    ):
        if value:
            conditions.append(column == value)
    if wanted.reason_contains:
        needle = wanted.reason_contains.lower()
        conditions.append(func.lower(quarantine.c.reason).contains(needle, autoescape=True))
    if wanted.ids:
        conditions.append(one_of(quarantine.c.id, wanted.ids))
    return conditions
