"""Loop-closure metrics aggregated by the database: the report never holds every loop row.

Counts are ``SUM(CASE ...)`` per group. Durations need a median and a p90: a window query ranks
each group's durations and returns only the few ranks around those quantiles, which are then
interpolated exactly as ``metrics.percentile`` does over the whole list. Memory stays the size of
the groups, not of the loops table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal_column, or_, select

from syncd.report.metrics import (
    MERGED,
    NO_SURVEY,
    NO_TEAM,
    THROTTLED,
    TOO_OLD,
    UNASSIGNED,
    DurationStats,
    LoopMetrics,
)
from syncd.store.schema import loops

c = loops.c
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
#: 1970-01-05 was the first Monday after the epoch: weeks start on Monday 00:00 UTC.
MONDAY_MS = 4 * DAY_MS
#: When syncd first saw the answer, and where its SLA clock started (older loops: the answer).
SEEN = func.coalesce(c.seen_ms, c.response_ms)
CLOCK = func.coalesce(c.sla_start_ms, c.response_ms)
#: The Monday (ms) of the answer's week, in integer arithmetic both databases share.
WEEK = (c.response_ms - MONDAY_MS) // WEEK_MS * WEEK_MS + MONDAY_MS
OWNER = case(
    (or_(c.owner_id.is_(None), c.owner_id == ""), UNASSIGNED),
    else_=c.crm + ":" + c.owner_id,
)
#: Group key of each dimension, computed in SQL so groups never need merging afterwards.
KEYS: Mapping[str, ColumnElement[Any]] = {
    "overall": literal_column("'all'"),
    "category": c.category,
    "team": func.coalesce(c.team, NO_TEAM),
    "owner": OWNER,
    "source": c.source,
    "survey": func.coalesce(c.survey, NO_SURVEY),
    "week": WEEK,
}
#: The groupings ``--group-by`` offers.
DIMENSIONS = ("category", "team", "owner", "source", "survey", "week")
_QUANTILES = (0.5, 0.9)


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """One group's metrics, with the CRM and owner id of its loops (owner groups' labels)."""

    key: str
    crm: str
    owner_id: str | None
    metrics: LoopMetrics


def _partition(dimension: str) -> list[ColumnElement[Any]]:
    # The overall total is one group: PostgreSQL refuses a constant to group or partition by.
    return [] if dimension == "overall" else [KEYS[dimension]]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def metrics_by(
    conn: Connection, dimension: str, where: Sequence[ColumnElement[bool]], now_ms: int
) -> list[GroupMetrics]:
    """Every group of ``dimension`` (``overall`` or one of ``DIMENSIONS``) with its metrics.

    Week keys are the week's Monday in epoch milliseconds, as a string.
    """
    key = KEYS[dimension].label("key")
    has_task = c.task_id.is_not(None)
    closed = and_(has_task, c.closed_ms.is_not(None))
    overdue = and_(has_task, c.closed_ms.is_(None), c.due_ms.is_not(None), c.due_ms < now_ms)
    query = (
        select(
            key,
            func.min(c.crm),
            func.min(c.owner_id),
            func.count(),
            _flag(has_task),
            _flag(closed),
            _flag(and_(has_task, c.closed_ms.is_(None))),
            _flag(overdue),
            _flag(and_(closed, c.due_ms.is_not(None), c.closed_ms <= c.due_ms)),
            _flag(and_(closed, c.due_ms.is_not(None))),
            _flag(and_(has_task, c.first_touch_ms.is_not(None))),
            _flag(and_(c.score >= 9, c.score <= 10)),
            _flag(and_(c.score >= 7, c.score <= 8)),
            _flag(and_(c.score >= 0, c.score <= 6)),
            _flag(c.reopened_ms.is_not(None)),
            _flag(c.response_ms < CLOCK),
            _flag(c.no_task_reason == TOO_OLD),
            _flag(c.no_task_reason == THROTTLED),
            _flag(c.no_task_reason == MERGED),
            _flag(and_(closed, c.outcome.is_(None))),
            _flag(c.escalated_ms.is_not(None)),
        )
        .where(*where)
        .group_by(*_partition(dimension))
    )
    durations = {
        name: _durations(conn, dimension, stamp, start, where)
        for name, stamp, start in (
            ("task", c.task_created_ms, CLOCK),
            ("touch", c.first_touch_ms, CLOCK),
            ("close", c.closed_ms, CLOCK),
        )
    }
    groups = []
    for row in conn.execute(query):
        group, crm, owner_id, responses, tasks, n_closed, n_open, n_overdue, met, done = row[:10]
        touched, promoters, passives, detractors, reopened, backfilled, too_old = row[10:17]
        throttled, merged, without_outcome, escalated = row[17:]
        group = str(group)
        metrics = LoopMetrics(
            responses=responses,
            tasks=tasks,
            touched=touched,
            closed=n_closed,
            open=n_open,
            overdue=n_overdue,
            sla_met=met,
            sla_counted=done + n_overdue,
            time_to_task=durations["task"].get(group, DurationStats()),
            time_to_first_touch=durations["touch"].get(group, DurationStats()),
            time_to_close=durations["close"].get(group, DurationStats()),
            promoters=promoters,
            passives=passives,
            detractors=detractors,
            reopened=reopened,
            backfilled=backfilled,
            too_old=too_old,
            throttled=throttled,
            merged=merged,
            closed_without_outcome=without_outcome,
            escalated=escalated,
        )
        groups.append(GroupMetrics(group, crm, owner_id, metrics))
    return groups


def _durations(
    conn: Connection,
    dimension: str,
    stamp: ColumnElement[int | None],
    start: ColumnElement[int],
    where: Sequence[ColumnElement[bool]],
) -> dict[str, DurationStats]:
    """Count, median and p90 per group of ``stamp - start`` (skew counted as 0)."""
    key = KEYS[dimension].label("key")
    elapsed = stamp - start
    value = case((elapsed < 0, 0), else_=elapsed).label("value")
    ranked = (
        select(
            key,
            value,
            func.row_number()
            .over(partition_by=_partition(dimension), order_by=value)
            .label("rank"),
            func.count().over(partition_by=_partition(dimension)).label("n"),
        )
        .where(*where, c.task_id.is_not(None), stamp.is_not(None))
        .subquery()
    )
    index = ranked.c.rank - 1
    near = [
        # The integer quantile position, widened by one each side: float rounding in the
        # exact position computed below can never fall outside what was read.
        and_(
            index >= (ranked.c.n - 1) * tenths // 10 - 1,
            index <= (ranked.c.n - 1) * tenths // 10 + 2,
        )
        for tenths in (5, 9)
    ]
    values: dict[str, dict[int, int]] = {}
    sizes: dict[str, int] = {}
    for raw, amount, rank, n in conn.execute(select(ranked).where(or_(*near))):
        group = str(raw)
        values.setdefault(group, {})[rank - 1] = amount
        sizes[group] = n
    return {
        group: DurationStats(n, *(_quantile(values[group], n, q) for q in _QUANTILES))
        for group, n in sizes.items()
    }


def _quantile(ordered: Mapping[int, int], n: int, q: float) -> float:
    """``metrics.percentile`` from the ranks around the quantile only (same arithmetic)."""
    h = (n - 1) * q
    low = math.floor(h)
    high = min(low + 1, n - 1)
    value = ordered[low] + (h - low) * (ordered[high] - ordered[low])
    return min(max(value, ordered[low]), ordered[high])
