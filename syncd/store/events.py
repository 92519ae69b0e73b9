"""Outgoing events: queued with the loop change that causes them, sent at least once.

An event is ``pending`` until the receiver answers 2xx (``sent``); failures wait with growing
backoff, and after ``max_attempts`` the event is ``dead`` (kept for an admin, never resent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Select, func, select, update

from syncd.model import ResponseKey
from syncd.redact import stored_error
from syncd.store.schema import events
from syncd.store.upsert import insert_ignore_many

#: A detractor's (or another configured category's) follow-up task was completed.
LOOP_CLOSED = "loop.closed"


class EventStatus(StrEnum):
    """Where an event is in its life."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Event:
    """An event to send: its stable id (the receiver's duplicate check) and its JSON body."""

    id: int
    event_id: str
    key: ResponseKey
    payload: str
    attempts: int


def event_id(key: ResponseKey, kind: str) -> str:
    """The id of ``kind`` for the loop ``key``: the same on every retry and every replica."""
    return hashlib.sha256(f"{kind}\0{key.source}\0{key.response_id}".encode()).hexdigest()[:32]


def enqueue(
    conn: Connection, kind: str, bodies: Sequence[tuple[ResponseKey, str]], now_ms: int
) -> int:
    """Queue one event per loop (a loop already announced is left alone); how many were new."""
    rows = [
        {
            "event_id": event_id(key, kind),
            "kind": kind,
            "source": key.source,
            "response_id": key.response_id,
            "payload": payload,
            "status": EventStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_ms": now_ms,
            "created_ms": now_ms,
            "updated_ms": now_ms,
        }
        for key, payload in bodies
    ]
    return len(insert_ignore_many(conn, events, rows, (events.c.event_id,))) if rows else 0


def due(conn: Connection, now_ms: int, limit: int) -> list[Event]:
    """Pending events whose time has come, oldest first (``ix_events_due``)."""
    rows = conn.execute(due_query(now_ms, limit))
    return [
        Event(
            row.id,
            row.event_id,
            ResponseKey(row.source, row.response_id),
            row.payload,
            row.attempts,
        )
        for row in rows
    ]


def due_query(now_ms: int, limit: int) -> Select[Any]:
    """The statement of ``due``."""
    return (
        select(
            events.c.id,
            events.c.event_id,
            events.c.source,
            events.c.response_id,
            events.c.payload,
            events.c.attempts,
        )
        .where(events.c.status == EventStatus.PENDING.value, events.c.next_attempt_ms <= now_ms)
        .order_by(events.c.next_attempt_ms, events.c.id)
        .limit(limit)
    )


def sent(conn: Connection, event: Event, now_ms: int) -> None:
    """The receiver took the event."""
    _settle(conn, event, EventStatus.SENT, None, now_ms, now_ms)


def failed(
    conn: Connection, event: Event, error: str, now_ms: int, retry_at_ms: int | None
) -> None:
    """One attempt failed: try again at ``retry_at_ms``, or (None) give up: dead."""
    status = EventStatus.DEAD if retry_at_ms is None else EventStatus.PENDING
    _settle(conn, event, status, error, retry_at_ms or now_ms, now_ms)


def _settle(
    conn: Connection,
    event: Event,
    status: EventStatus,
    error: str | None,
    next_ms: int,
    now_ms: int,
) -> None:
    conn.execute(
        update(events)
        .where(events.c.id == event.id, events.c.status == EventStatus.PENDING.value)
        .values(
            status=status.value,
            attempts=events.c.attempts + 1,
            next_attempt_ms=next_ms,
            last_error=None if error is None else stored_error(error),
            updated_ms=now_ms,
        )
    )


def counts(conn: Connection) -> dict[str, int]:
    """Events per status (for ``syncd status`` and tests)."""
    query = select(events.c.status, func.count()).group_by(events.c.status)
    return {status: int(count) for status, count in conn.execute(query)}
