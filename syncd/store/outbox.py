"""The outbox: CRM actions with idempotency keys, attempts, backoff and leases.

This module enqueues, and is the one name the rest of syncd imports the outbox by. Claims and
leases live in ``outbox_claims``, fenced outcomes in ``outbox_outcomes``, a whole batch's outcomes
in ``outbox_batch``, the types in ``outbox_types``.

A row's ``key`` is ``source:response_id:kind``. A newer version of a response rewrites the row
instead of adding one (updates are upserts), except that a task create that is done is never
rewritten: its content goes out as an ``update_task`` on the task the create recorded. A create
that is not done yet (never tried, or retrying after an unknown outcome) takes the new content
itself: the CRM's create is idempotent on the key, so the retry updates a task that landed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, case, select, update

from syncd.store.action_codec import to_json
from syncd.store.outbox_claims import claim, due_query, release, release_all, renew
from syncd.store.outbox_outcomes import (
    complete,
    dependents_query,
    result_of,
    retry_later,
    settle,
    skip_dependents,
)
from syncd.store.outbox_types import Action, ActionKind, Enqueued, NewAction, Status, key_for
from syncd.store.readiness import release_if_done, status_for
from syncd.store.schema import outbox
from syncd.store.upsert import insert_ignore_many

__all__ = [
    "Action",
    "ActionKind",
    "Enqueued",
    "NewAction",
    "Status",
    "claim",
    "complete",
    "dependents_query",
    "due_query",
    "enqueue",
    "enqueue_all",
    "key_for",
    "release",
    "release_all",
    "renew",
    "result_of",
    "retry_later",
    "settle",
    "skip_dependents",
]


def enqueue(conn: Connection, action: NewAction, now_ms: int) -> Enqueued:
    """Insert the action, or rewrite an older stored version of it."""
    return enqueue_all(conn, [action], now_ms)[action.key]


def enqueue_all(conn: Connection, actions: Sequence[NewAction], now_ms: int) -> dict[str, Enqueued]:
    """``enqueue`` for a batch: one multi-row insert; only keys already stored go one by one.

    Keys must be distinct within the batch.
    """
    payloads = {action.key: to_json(action.payload) for action in actions}
    rows = [_row(action, payloads[action.key], now_ms) for action in actions]
    inserted = {key for (key,) in insert_ignore_many(conn, outbox, rows, (outbox.c.key,))}
    # A new dependent waits. One whose dependency was stored before may find it done already
    # (a task planned after its contact was synced): those few are checked now.
    release_if_done(
        conn,
        [a.key for a in actions if a.key in inserted and _planned_before(a.depends_on, inserted)],
        now_ms,
    )
    outcomes = dict.fromkeys(inserted, Enqueued.INSERTED)
    for action in actions:
        if action.key not in inserted:
            outcomes[action.key] = _enqueue_existing(conn, action, payloads[action.key], now_ms)
    return outcomes


def _planned_before(depends_on: str | None, inserted: set[str]) -> bool:
    return depends_on is not None and depends_on not in inserted


def _row(action: NewAction, payload: str, now_ms: int) -> dict[str, object]:
    return {
        "key": action.key,
        "crm": action.crm,
        "kind": action.kind.value,
        "source": action.source,
        "response_id": action.response_id,
        "version": action.version,
        "depends_on": action.depends_on,
        "payload": payload,
        "status": status_for(action.depends_on).value,
        "attempts": 0,
        "next_attempt_ms": now_ms,
        "created_ms": now_ms,
        "updated_ms": now_ms,
    }


def _enqueue_existing(conn: Connection, action: NewAction, payload: str, now_ms: int) -> Enqueued:
    if _rewrite(conn, action, payload, now_ms):
        return Enqueued.REWRITTEN
    stored = conn.execute(select(outbox.c.version).where(outbox.c.key == action.key)).scalar()
    return Enqueued.FROZEN if (stored or 0) < action.version else Enqueued.UNCHANGED


def _rewrite(conn: Connection, action: NewAction, payload: str, now_ms: int) -> bool:
    where = [outbox.c.key == action.key, outbox.c.version < action.version]
    if action.kind is ActionKind.CREATE_TASK:
        # A done create has its task id: later content goes out as update_task on that task.
        # Any other create takes the new content, in flight too (``complete`` then sees the
        # newer version and sends it again): the CRM's create is idempotent on the key, so the
        # resend updates the task an earlier attempt made. No update_task exists before the
        # create is done, so no older content can overwrite newer.
        where.append(outbox.c.status != Status.DONE.value)
    still_in_flight = outbox.c.status == Status.IN_FLIGHT.value
    statement = (
        update(outbox)
        .where(*where)
        .values(
            payload=payload,
            version=action.version,
            status=case((still_in_flight, Status.IN_FLIGHT.value), else_=Status.PENDING.value),
            attempts=case((still_in_flight, outbox.c.attempts), else_=0),
            next_attempt_ms=now_ms,
            last_error=None,
            updated_ms=now_ms,
        )
    )
    return conn.execute(statement).rowcount == 1
