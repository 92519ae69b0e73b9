"""Rate-limit budgets in the store, so replicas together stay within one vendor allowance.

Each call is one short transaction: lock the budget's row, drop calls older than the window,
and count one more if the window has room. The row lock serialises the replicas on that budget
only; times come from each replica's clock (NTP-synchronised hosts differ by milliseconds, far
below the windows of seconds this paces).

A call that fits costs three statements (lock, prune, a conditional insert); only a refused
call reads the window once more, to say how long to wait. The lock must be a statement of its
own: on PostgreSQL a statement sees the data as of its start, so a count in the same statement
as a lock that waited would miss the calls the lock's previous holder counted. PostgreSQL, where
replicas share budgets, runs the same steps as one function (``reserve_in_one_call``, migration
0015): one round trip instead of five, as each CRM call makes one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from syncd.store.schema import rate_buckets, rate_calls
from syncd.store.upsert import insert_ignore

_BUCKET = bindparam("b_bucket", type_=String)
_OF_BUCKET = rate_calls.c.bucket == _BUCKET

_LOCK = (
    select(rate_buckets.c.paused_until_ms).where(rate_buckets.c.bucket == _BUCKET).with_for_update()
)


def _clock() -> ColumnElement[int]:
    """The caller's clock, or the newest call counted if that is later.

    The caller read its clock before waiting for the row lock; a replica that got the lock
    first may have counted (and pruned) at a later time. Judging the window from the newest
    recorded call keeps one consistent order, so a stale clock never admits a call too many.
    """
    now = bindparam("b_now", type_=BigInteger)
    newest = func.coalesce(
        select(func.max(rate_calls.c.at_ms)).where(_OF_BUCKET).scalar_subquery(), 0
    )
    return case((newest > now, newest), else_=now)


#: Calls that left the window.
_PRUNE = delete(rate_calls).where(
    _OF_BUCKET, rate_calls.c.at_ms <= _clock() - bindparam("b_period", type_=BigInteger)
)
#: One more call at the (guarded) clock, if the pruned window has room: returns one row or none
#: (RETURNING: an INSERT ... SELECT's rowcount is not reported by every driver).
_COUNT_ONE = (
    insert(rate_calls)
    .from_select(
        ["bucket", "at_ms"],
        select(_BUCKET, _clock()).where(
            select(func.count()).where(_OF_BUCKET).scalar_subquery()
            < bindparam("b_max", type_=Integer)
        ),
    )
    .returning(rate_calls.c.at_ms)
)
#: A full window: its newest and oldest call, to say when the oldest leaves it.
_WINDOW = select(func.max(rate_calls.c.at_ms), func.min(rate_calls.c.at_ms)).where(_OF_BUCKET)


def reserve(conn: Connection, bucket: str, max_calls: int, period_ms: int, now_ms: int) -> int:
    """Count one call of ``bucket`` now if it fits; else the milliseconds to wait (nothing
    counted). A pause set by ``pause`` counts as a wait."""
    paused_until = _lock(conn, bucket)
    if now_ms < paused_until:
        return int(paused_until - now_ms)
    window = {"b_bucket": bucket, "b_now": now_ms, "b_period": period_ms}
    conn.execute(_PRUNE, window)
    if conn.execute(_COUNT_ONE, {**window, "b_max": max_calls}).first() is not None:
        return 0
    newest, oldest = conn.execute(_WINDOW, window).one()
    return max(1, int(oldest + period_ms - max(now_ms, newest)))


@dataclass(frozen=True, slots=True)
class Reservation:
    """What reserving one call said: how long to wait (0: counted), and the time counted at."""

    wait_ms: int
    counted_ms: int | None


_RESERVE_CALL = text(
    "SELECT wait_ms, counted_ms FROM syncd_rate_reserve(:bucket, :max_calls, :period_ms, :now_ms)"
)


def reserve_in_one_call(
    conn: Connection, bucket: str, max_calls: int, period_ms: int, now_ms: int
) -> Reservation:
    """``reserve`` as PostgreSQL's ``syncd_rate_reserve`` function: the same steps, one round
    trip. Run it outside a transaction (autocommit): the function's own commit ends the lock."""
    wait_ms, counted_ms = conn.execute(
        _RESERVE_CALL,
        {"bucket": bucket, "max_calls": max_calls, "period_ms": period_ms, "now_ms": now_ms},
    ).one()
    return Reservation(int(wait_ms), None if counted_ms is None else int(counted_ms))


def _lock(conn: Connection, bucket: str) -> int:
    """Lock the budget's row (created on first use) and return its pause."""
    paused_until = conn.execute(_LOCK, {"b_bucket": bucket}).scalar_one_or_none()
    if paused_until is None:
        insert_ignore(conn, rate_buckets, {"bucket": bucket, "paused_until_ms": 0})
        paused_until = conn.execute(_LOCK, {"b_bucket": bucket}).scalar_one()
    return int(paused_until)


def pause(conn: Connection, bucket: str, until_ms: int) -> None:
    """Let no call of ``bucket`` through before ``until_ms`` (a 429), on every replica."""
    insert_ignore(conn, rate_buckets, {"bucket": bucket, "paused_until_ms": 0})
    conn.execute(
        update(rate_buckets)
        .where(rate_buckets.c.bucket == bucket, rate_buckets.c.paused_until_ms < until_ms)
        .values(paused_until_ms=until_ms)
    )
