"""Retention: prune history older than its configured age, in small committed batches.

What goes, each only once older than its own age:

- inbox payloads (set to the empty text) of answers planned and with no action still at work;
  the row stays, so a re-polled answer is still known and the report's NPS counts stay whole;
- outbox actions that ended ``done``, and dead letters with the actions skipped because of them,
  once no action of the same answer is still at work (pending, in flight, quarantined) and the
  answer waits for no plan: an update reads the task id its create recorded;
- quarantine items an admin resolved.

Never: unresolved quarantine, loops (they are the metrics), anything of an answer still at work.
Each batch is one short transaction of at most ``batch`` rows read through an index, so the
daemon and other replicas wait on the store for one batch at most.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Executable,
    Select,
    and_,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy import update as sql_update

from syncd.store.outbox import Status
from syncd.store.outbox_types import UNSENT
from syncd.store.schema import INBOX_PAYLOAD_KEPT, inbox, outbox, quarantine, store_meta
from syncd.store.upsert import insert_ignore

PRUNED_PAYLOAD = ""
#: ``store_meta`` row: when a replica last started pruning, so replicas share one schedule.
_LAST_PRUNED = "retention_last_ms"
_AT_WORK = (*UNSENT, Status.IN_FLIGHT.value, Status.QUARANTINED.value)
_GIVEN_UP = (Status.DEAD.value, Status.SKIPPED.value)


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Per kind of history: rows last changed before this epoch millisecond may go."""

    inbox_ms: int
    outbox_ms: int
    quarantine_ms: int
    dead_letter_ms: int


@dataclass(slots=True)
class PruneCounts:
    """How many rows of each kind a run pruned (or, dry, would prune)."""

    inbox_payloads: int = 0
    outbox_done: int = 0
    dead_letters: int = 0
    quarantine_resolved: int = 0

    def total(self) -> int:
        """Every row counted."""
        return sum(getattr(self, f.name) for f in fields(self))

    def lines(self) -> list[str]:
        """One ``kind: count`` line per kind, as ``syncd prune`` prints them."""
        return [f"{f.name.replace('_', ' ')}: {getattr(self, f.name)}" for f in fields(self)]


def last_pruned_ms(conn: Connection) -> int | None:
    """When any replica last started a prune run; None if none ever did."""
    value = conn.execute(
        select(store_meta.c.value).where(store_meta.c.name == _LAST_PRUNED)
    ).scalar()
    return int(value) if value is not None else None


def mark_pruned(conn: Connection, now_ms: int) -> None:
    """Record that a prune run starts now."""
    row = {"name": _LAST_PRUNED, "value": str(now_ms), "updated_ms": now_ms}
    if not insert_ignore(conn, store_meta, row):
        conn.execute(
            sql_update(store_meta)
            .where(store_meta.c.name == _LAST_PRUNED)
            .values(value=str(now_ms), updated_ms=now_ms)
        )


def prune(
    engine: Engine,
    cutoffs: Cutoffs,
    batch: int,
    *,
    dry_run: bool = False,
    stop: threading.Event | None = None,
) -> PruneCounts:
    """Prune every kind in batches of ``batch`` rows; dry: count what would go, change nothing."""
    counts = PruneCounts()
    for name, query, apply in _kinds(cutoffs):
        if dry_run:
            with engine.connect() as conn:
                found = conn.execute(select(func.count()).select_from(query.subquery())).scalar()
            setattr(counts, name, int(found or 0))
            continue
        setattr(counts, name, _in_batches(engine, query, apply, batch, stop))
    return counts


#: Builds the statement that prunes the rows a (limited) id query selects.
_Apply = Callable[[Select[tuple[int]]], Executable]


def _in_batches(
    engine: Engine,
    query: Select[tuple[int]],
    apply: _Apply,
    batch: int,
    stop: threading.Event | None,
) -> int:
    done = 0
    while stop is None or not stop.is_set():
        # One statement per batch, its own short transaction; the conditions are evaluated in
        # it, so a row put back to work meanwhile (a replayed dead letter) is not touched.
        with engine.begin() as conn:
            changed = conn.execute(apply(query.limit(batch).correlate(None))).rowcount
        done += changed
        if changed < batch:
            break
    return done


def _kinds(cutoffs: Cutoffs) -> list[tuple[str, Select[tuple[int]], _Apply]]:
    return [
        ("inbox_payloads", inbox_payloads_query(cutoffs.inbox_ms), _blank_payloads),
        ("outbox_done", ended_query((Status.DONE.value,), cutoffs.outbox_ms), _delete_actions),
        ("dead_letters", ended_query(_GIVEN_UP, cutoffs.dead_letter_ms), _delete_actions),
        ("quarantine_resolved", resolved_query(cutoffs.quarantine_ms), _delete_quarantine),
    ]


def inbox_payloads_query(before_ms: int) -> Select[tuple[int]]:
    """Inbox rows whose payload may be pruned, oldest first, read from ``ix_inbox_payload_kept``."""
    return (
        select(inbox.c.id)
        .where(
            INBOX_PAYLOAD_KEPT,
            inbox.c.updated_ms < before_ms,
            inbox.c.needs_plan.is_(False),
            ~_answer_at_work(inbox.c.source, inbox.c.response_id),
        )
        .order_by(inbox.c.updated_ms)
    )


def ended_query(statuses: tuple[str, ...], before_ms: int) -> Select[tuple[int]]:
    """Actions ended in ``statuses`` before ``before_ms`` whose answer has nothing at work."""
    waiting_plan = exists().where(
        inbox.c.source == outbox.c.source,
        inbox.c.response_id == outbox.c.response_id,
        inbox.c.needs_plan.is_(True),
    )
    return select(outbox.c.id).where(
        outbox.c.status.in_(statuses),
        outbox.c.updated_ms < before_ms,
        ~_answer_at_work(outbox.c.source, outbox.c.response_id),
        ~waiting_plan,
    )


def resolved_query(before_ms: int) -> Select[tuple[int]]:
    """Quarantine items resolved before ``before_ms``; unresolved ones never match."""
    return select(quarantine.c.id).where(
        quarantine.c.resolved_ms.is_not(None), quarantine.c.resolved_ms < before_ms
    )


def _answer_at_work(
    source: ColumnElement[str], response_id: ColumnElement[str]
) -> ColumnElement[bool]:
    other = outbox.alias()
    return exists().where(
        and_(
            other.c.source == source,
            other.c.response_id == response_id,
            other.c.status.in_(_AT_WORK),
        )
    )


def _blank_payloads(ids: Select[tuple[int]]) -> Executable:
    return sql_update(inbox).where(inbox.c.id.in_(ids)).values(payload=PRUNED_PAYLOAD)


def _delete_actions(ids: Select[tuple[int]]) -> Executable:
    return delete(outbox).where(outbox.c.id.in_(ids))


def _delete_quarantine(ids: Select[tuple[int]]) -> Executable:
    return delete(quarantine).where(quarantine.c.id.in_(ids))
