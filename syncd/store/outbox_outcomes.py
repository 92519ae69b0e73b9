"""Recording a claimed action's outcome, fenced by its claim count.

An outcome is written only while the row is still in flight under the same claim count: a
holder that stalled past its lease while another took the row over is refused instead of
overwriting the newer holder's state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import structlog
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    FromClause,
    Select,
    String,
    Text,
    and_,
    bindparam,
    select,
    update,
)
from sqlalchemy.sql.dml import Update

from syncd.redact import stored_error
from syncd.store.batch_rows import BatchUpdate
from syncd.store.outbox_types import UNSENT, Action, Status
from syncd.store.readiness import release_dependents
from syncd.store.schema import outbox
from syncd.store.value_lists import one_of

__all__ = [
    "complete",
    "dependents_query",
    "result_of",
    "retry_later",
    "settle",
    "skip_dependents",
]

log = structlog.get_logger(__name__)


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
        release_dependents(conn, (action.key,), now_ms)
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
    """The actions not yet sent that wait on any of ``keys``, found through
    ``ix_outbox_depends_on``."""
    return select(outbox.c.key, outbox.c.depends_on).where(
        one_of(outbox.c.depends_on, keys), outbox.c.status.in_(UNSENT)
    )


def _skip(rows: FromClause) -> Update:
    """One level of skipped dependents, each with its reason."""
    return (
        update(outbox)
        .where(outbox.c.key == rows.c.key, outbox.c.status.in_(UNSENT))
        .values(
            status=Status.SKIPPED.value,
            last_error=rows.c.error,
            updated_ms=bindparam("b_now", type_=BigInteger),
        )
    )


_SKIP = BatchUpdate({"key": String(), "error": Text()}, _skip)


def skip_dependents(conn: Connection, reasons: Mapping[str, str], now_ms: int) -> None:
    """Skip the pending actions waiting on these keys (their reasons), and those waiting on them
    in turn: one search and one update per level, each inheriting its reason."""
    while reasons:
        waiting = conn.execute(dependents_query(reasons)).all()
        following = {row.key: reasons[row.depends_on] for row in waiting}
        rows = [(key, stored_error(reason)) for key, reason in following.items()]
        _SKIP.execute(conn, rows, b_now=now_ms)
        reasons = following


def result_of(conn: Connection, key: str) -> str | None:
    """The CRM id recorded by a done action (the task id of a create)."""
    return conn.execute(
        select(outbox.c.result).where(outbox.c.key == key, outbox.c.status == Status.DONE.value)
    ).scalar()
