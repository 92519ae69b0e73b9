"""Distributions the charts draw, counted by the database: backlog age and time to close.

Each is a ``GROUP BY`` over fixed buckets, so the result is a few rows per owner or category
however many loops there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from syncd.report.loop_sql import CLOCK, DAY_MS, OWNER, c

#: Backlog age buckets: (label, upper bound in days, exclusive); the last has no bound.
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("< 1 day", 1),
    ("1-3 days", 3),
    ("3-7 days", 7),
    ("7-14 days", 14),
    ("14+ days", None),
)
#: Time-to-close buckets, same shape.
CLOSE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("< 1 day", 1),
    ("1-2 days", 2),
    ("2-5 days", 5),
    ("5-10 days", 10),
    ("10+ days", None),
)


@dataclass(frozen=True, slots=True)
class Bucket:
    """How many loops of group ``key`` fall in bucket ``bucket`` (a label of the bucket list)."""

    key: str
    bucket: str
    count: int


def _bucket(
    days: ColumnElement[int], buckets: Sequence[tuple[str, float | None]]
) -> ColumnElement[str]:
    whens = [(days < int(bound * DAY_MS), label) for label, bound in buckets if bound is not None]
    return case(*whens, else_=buckets[-1][0])


def backlog_ageing(
    conn: Connection, where: Sequence[ColumnElement[bool]], now_ms: int
) -> list[Bucket]:
    """Open tasks per owner key (``crm:id`` or unassigned) and age since the SLA clock start."""
    bucket = _bucket(now_ms - CLOCK, AGE_BUCKETS).label("bucket")
    key = OWNER.label("key")
    query = (
        select(key, bucket, func.count())
        .where(*where, c.task_id.is_not(None), c.closed_ms.is_(None))
        .group_by(key, bucket)
    )
    return [Bucket(str(k), b, n) for k, b, n in conn.execute(query)]


def close_distribution(conn: Connection, where: Sequence[ColumnElement[bool]]) -> list[Bucket]:
    """Closed loops per category and time from the SLA clock start to close."""
    elapsed = case((c.closed_ms < CLOCK, 0), else_=c.closed_ms - CLOCK)
    bucket = _bucket(elapsed, CLOSE_BUCKETS).label("bucket")
    query = (
        select(c.category, bucket, func.count())
        .where(*where, and_(c.task_id.is_not(None), c.closed_ms.is_not(None)))
        .group_by(c.category, bucket)
    )
    return [Bucket(str(k), b, n) for k, b, n in conn.execute(query)]
