"""Rate-limit budgets in the store, so replicas together stay within one vendor allowance.

Each call is one short transaction: lock the budget's row, drop calls older than the window,
and count one more if the window has room. The row lock serialises the replicas on that budget
only; times come from each replica's clock (NTP-synchronised hosts differ by milliseconds, far
below the windows of seconds this paces).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update

from syncd.store.schema import rate_buckets, rate_calls
from syncd.store.upsert import insert_ignore


def reserve(conn: Connection, bucket: str, max_calls: int, period_ms: int, now_ms: int) -> int:
    """Count one call of ``bucket`` now if it fits; else the milliseconds to wait (nothing
    counted). A pause set by ``pause`` counts as a wait."""
    insert_ignore(conn, rate_buckets, {"bucket": bucket, "paused_until_ms": 0})
    paused_until = conn.execute(
        select(rate_buckets.c.paused_until_ms)
        .where(rate_buckets.c.bucket == bucket)
        .with_for_update()
    ).scalar_one()
    if now_ms < paused_until:
        return int(paused_until - now_ms)
    # The caller read its clock before waiting for the row lock; a replica that got the lock
    # first may have counted (and pruned) at a later time. Judging the window from the newest
    # recorded call keeps one consistent order, so a stale clock never admits a call too many.
    newest = conn.execute(
        select(func.max(rate_calls.c.at_ms)).where(rate_calls.c.bucket == bucket)
    ).scalar_one()
    now_ms = max(now_ms, newest or 0)
    window_start = now_ms - period_ms
    conn.execute(
        delete(rate_calls).where(rate_calls.c.bucket == bucket, rate_calls.c.at_ms <= window_start)
    )
    count, oldest = conn.execute(
        select(func.count(), func.min(rate_calls.c.at_ms)).where(rate_calls.c.bucket == bucket)
    ).one()
    if count < max_calls:
        conn.execute(insert(rate_calls).values(bucket=bucket, at_ms=now_ms))
        return 0
    return max(1, int(oldest + period_ms - now_ms))


def pause(conn: Connection, bucket: str, until_ms: int) -> None:
    """Let no call of ``bucket`` through before ``until_ms`` (a 429), on every replica."""
    insert_ignore(conn, rate_buckets, {"bucket": bucket, "paused_until_ms": 0})
    conn.execute(
        update(rate_buckets)
        .where(rate_buckets.c.bucket == bucket, rate_buckets.c.paused_until_ms < until_ms)
        .values(paused_until_ms=until_ms)
    )
