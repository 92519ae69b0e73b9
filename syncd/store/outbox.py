"""The outbox: CRM actions with idempotency keys, attempts, backoff and leases.

Claims are fenced: every claim bumps the row's ``claims`` counter, and an outcome is recorded
only while the row is still in flight under the same count. A holder that stalled past its lease
while another took the row over is refused instead of overwriting the newer holder's state.

A row's ``key`` is ``source:response_id:kind``. A newer version of a response rewrites the row
instead of adding one (updates are upserts), except that a task create that is done is never
rewritten: its content goes out as an ``update_task`` on the task the create recorded. A create
that is not done yet (never tried, or retrying after an unknown outcome) takes the new content
itself: the CRM's create is idempotent on the key, so the retry updates a task that landed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import structlog
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    RowMapping,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from syncd.actions import ActionBody, ActionKind
from syncd.redact import stored_error
from syncd.store.action_codec import from_json, to_json
from syncd.store.schema import outbox
from syncd.store.upsert import insert_ignore_many

log = structlog.get_logger(__name__)


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


class Status(StrEnum):
    """Where an outbox action is in its life."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"


class Enqueued(StrEnum):
    """What ``enqueue`` did with an action."""

    INSERTED = "inserted"
    REWRITTEN = "rewritten"
    #: The stored version is the same or newer: nothing to do.
    UNCHANGED = "unchanged"
    #: A newer version for a create that is done: send an update instead.
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class NewAction:
    """An action for ``enqueue``: its kind is the type of its ``payload``; ``depends_on`` is the
    key that must be done first."""

    key: str
    crm: str
    source: str
    response_id: str
    version: int
    payload: ActionBody
    depends_on: str | None = None

    @property
    def kind(self) -> ActionKind:
        """What the action does, read from its body's type so the two cannot disagree."""
        return self.payload.kind


@dataclass(frozen=True, slots=True)
class Action:
    """A claimed outbox row.

    ``attempts`` is the number of this attempt (earlier recorded outcomes + 1); ``claim`` is the
    row's claim count when it was claimed, the fencing token its outcome must present.
    """

    id: int
    key: str
    kind: ActionKind
    source: str
    response_id: str
    version: int
    payload: ActionBody
    attempts: int
    claim: int = 0


def key_for(source: str, response_id: str, kind: ActionKind) -> str:
    """The idempotency key of a response's action of ``kind``, stable across versions."""
    return f"{source}:{response_id}:{kind.value}"


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
    outcomes = dict.fromkeys(inserted, Enqueued.INSERTED)
    for action in actions:
        if action.key not in inserted:
            outcomes[action.key] = _enqueue_existing(conn, action, payloads[action.key], now_ms)
    return outcomes


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
        "status": Status.PENDING.value,
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


def claim(
    conn: Connection,
    crm: str,
    kind: ActionKind,
    holder: str,
    limit: int,
    now_ms: int,
    lease_ms: int,
) -> Sequence[Action]:
    """Lease up to ``limit`` due actions whose dependency is done (``SKIP LOCKED`` on PostgreSQL).

    Rows whose lease expired (a crashed replica) are due again. Claiming is not an attempt:
    ``attempts`` grows only when an outcome is recorded, so a crash loop that claims the same
    rows again and again does not use up their retries.
    """
    wanted = {"b_crm": crm, "b_kind": kind.value, "b_now": now_ms, "b_limit": limit}
    # Expired claims first (a crashed holder's rows are the oldest work), then due pending rows.
    ids = list(conn.execute(_EXPIRED, wanted).scalars())
    if len(ids) < limit:
        ids += conn.execute(_DUE, {**wanted, "b_limit": limit - len(ids)}).scalars()
    if not ids:
        return []
    # One statement leases the rows and reads them back (RETURNING: SQLite 3.35+, PostgreSQL).
    rows = conn.execute(
        _LEASE,
        {"b_ids": ids, "b_holder": holder, "b_until": now_ms + lease_ms, "b_now": now_ms},
    ).all()
    return sorted((_action(row._mapping) for row in rows), key=lambda action: action.id)


def _dependency_done() -> ColumnElement[bool]:
    dependency = aliased(outbox)
    return or_(
        outbox.c.depends_on.is_(None),
        exists().where(
            and_(dependency.c.key == outbox.c.depends_on, dependency.c.status == Status.DONE.value)
        ),
    )


#: Built once with bound values: a claim runs several times a round, and building (and keying)
#: these statements anew each time cost more than running them.
_DUE = (
    select(outbox.c.id)
    .where(
        outbox.c.crm == bindparam("b_crm", type_=String),
        outbox.c.kind == bindparam("b_kind", type_=String),
        outbox.c.status == Status.PENDING.value,
        outbox.c.next_attempt_ms <= bindparam("b_now", type_=BigInteger),
        _dependency_done(),
    )
    .order_by(outbox.c.next_attempt_ms, outbox.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    .with_for_update(skip_locked=True)
)

#: In-flight rows whose lease ran out (their holder died); few, all in flight at once.
_EXPIRED = (
    select(outbox.c.id)
    .where(
        outbox.c.crm == bindparam("b_crm", type_=String),
        outbox.c.kind == bindparam("b_kind", type_=String),
        outbox.c.status == Status.IN_FLIGHT.value,
        outbox.c.lease_until_ms < bindparam("b_now", type_=BigInteger),
        _dependency_done(),
    )
    .order_by(outbox.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    .with_for_update(skip_locked=True)
)

_LEASE = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(
        status=Status.IN_FLIGHT.value,
        claimed_by=bindparam("b_holder"),
        lease_until_ms=bindparam("b_until"),
        claims=outbox.c.claims + 1,
        updated_ms=bindparam("b_now", type_=BigInteger),
    )
    .returning(*outbox.c)
)


def due_query(crm: str, kind: ActionKind, now_ms: int, limit: int) -> Select[tuple[int]]:
    """Pending rows that are due, read in ``ix_outbox_due`` order: no sort, stops at ``limit``."""
    return _DUE.params(b_crm=crm, b_kind=kind.value, b_now=now_ms, b_limit=limit)


def _action(row: RowMapping) -> Action:
    return Action(
        id=row["id"],
        key=row["key"],
        kind=ActionKind(row["kind"]),
        source=row["source"],
        response_id=row["response_id"],
        version=row["version"],
        payload=from_json(ActionKind(row["kind"]), row["payload"]),
        attempts=row["attempts"] + 1,
        # Read back after the lease: ``claims`` already counts this claim.
        claim=row["claims"],
    )


def renew(conn: Connection, holder: str, lease_ms: int, now_ms: int) -> int:
    """Extend the lease of everything ``holder`` has in flight (heartbeat while a batch works)."""
    return conn.execute(
        update(outbox)
        .where(outbox.c.claimed_by == holder, outbox.c.status == Status.IN_FLIGHT.value)
        .values(lease_until_ms=now_ms + lease_ms)
    ).rowcount


def _held(action: Action) -> ColumnElement[bool]:
    """The row is still in flight under ``action``'s claim: nobody took it over since."""
    return and_(
        outbox.c.id == action.id,
        outbox.c.status == Status.IN_FLIGHT.value,
        outbox.c.claims == action.claim,
    )


def _refused(action: Action, outcome: str) -> bool:
    log.warning(
        "outcome not recorded: the claim was taken over by another holder",
        key=action.key,
        claim=action.claim,
        outcome=outcome,
    )
    return False


def complete(conn: Connection, action: Action, result: str | None, now_ms: int) -> bool:
    """Mark done, unless a newer version arrived while in flight: then it is due again.

    False (and nothing written) when the claim is no longer this action's.
    """
    done = conn.execute(
        update(outbox)
        .where(_held(action), outbox.c.version == action.version)
        .values(
            status=Status.DONE.value,
            attempts=outbox.c.attempts + 1,
            result=result,
            claimed_by=None,
            lease_until_ms=None,
            last_error=None,
            updated_ms=now_ms,
        )
    ).rowcount
    if done:
        return True
    again = conn.execute(
        update(outbox)
        .where(_held(action))
        .values(
            status=Status.PENDING.value,
            result=result,
            attempts=outbox.c.attempts + 1,
            claimed_by=None,
            lease_until_ms=None,
            next_attempt_ms=now_ms,
            updated_ms=now_ms,
        )
    ).rowcount
    return bool(again) or _refused(action, "done")


def retry_later(
    conn: Connection,
    action: Action,
    error: str,
    next_attempt_ms: int,
    *,
    now_ms: int,
) -> bool:
    """Back to pending until ``next_attempt_ms``; False when the claim is no longer ours."""
    retried = conn.execute(
        update(outbox)
        .where(_held(action))
        .values(
            status=Status.PENDING.value,
            attempts=outbox.c.attempts + 1,
            next_attempt_ms=next_attempt_ms,
            last_error=stored_error(error),
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    ).rowcount
    return bool(retried) or _refused(action, "retry")


def settle(conn: Connection, action: Action, status: Status, error: str, now_ms: int) -> bool:
    """End an action without success (dead, quarantined) and skip everything waiting on it.

    False (and nothing written) when the claim is no longer this action's.
    """
    settled = conn.execute(
        update(outbox)
        .where(_held(action))
        .values(
            status=status.value,
            attempts=outbox.c.attempts + 1,
            last_error=stored_error(error),
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    ).rowcount
    if not settled:
        return _refused(action, status.value)
    skip_dependents(conn, {action.key: f"{action.key} ended {status.value}: {error}"}, now_ms)
    return True


def dependents_query(keys: Collection[str]) -> Select[tuple[str, str]]:
    """The pending actions waiting on any of ``keys``, found through ``ix_outbox_depends_on``."""
    return select(outbox.c.key, outbox.c.depends_on).where(
        outbox.c.depends_on.in_(keys), outbox.c.status == Status.PENDING.value
    )


#: One compiled statement for every level of skipped dependents.
_SKIP = (
    update(outbox)
    .where(outbox.c.key == bindparam("b_key"), outbox.c.status == Status.PENDING.value)
    .values(
        status=Status.SKIPPED.value, last_error=bindparam("b_error"), updated_ms=bindparam("b_now")
    )
)


def skip_dependents(conn: Connection, reasons: Mapping[str, str], now_ms: int) -> None:
    """Skip the pending actions waiting on these keys (their reasons), and those waiting on them
    in turn: one search and one executemany update per level, each inheriting its reason."""
    while reasons:
        waiting = conn.execute(dependents_query(reasons)).all()
        following = {row.key: reasons[row.depends_on] for row in waiting}
        if following:
            conn.execute(
                _SKIP,
                [
                    {"b_key": key, "b_error": stored_error(reason), "b_now": now_ms}
                    for key, reason in following.items()
                ],
            )
        reasons = following


def release(conn: Connection, holder: str, now_ms: int) -> int:
    """Hand back what ``holder`` has claimed (clean shutdown)."""
    return conn.execute(
        update(outbox)
        .where(outbox.c.claimed_by == holder, outbox.c.status == Status.IN_FLIGHT.value)
        .values(
            status=Status.PENDING.value,
            claimed_by=None,
            lease_until_ms=None,
            next_attempt_ms=now_ms,
            updated_ms=now_ms,
        )
    ).rowcount


def release_all(conn: Connection, now_ms: int) -> int:
    """Single-instance (SQLite) startup: whatever is in flight belonged to a dead process."""
    return conn.execute(
        update(outbox)
        .where(outbox.c.status == Status.IN_FLIGHT.value)
        .values(
            status=Status.PENDING.value,
            claimed_by=None,
            lease_until_ms=None,
            next_attempt_ms=now_ms,
            updated_ms=now_ms,
        )
    ).rowcount


def result_of(conn: Connection, key: str) -> str | None:
    """The CRM id recorded by a done action (the task id of a create)."""
    return conn.execute(
        select(outbox.c.result).where(outbox.c.key == key, outbox.c.status == Status.DONE.value)
    ).scalar()
