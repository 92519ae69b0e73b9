"""Loop effectiveness: did closing a detractor's or passive's loop move their next answer up?

For each detractor or passive answer in the period, the same respondent's next answer (any
time later, from any source) is found with a ``LEAD`` window over the respondent's answers in
time order. The respondent is the lower-cased email, else the CRM contact id. The answer's
loop counts as *closed* when its task was completed before that next answer (or, without a next
answer yet, at all); every other one (no task, still open, closed only after the next answer)
counts as *not closed*. The database returns counts and a histogram of score changes per group,
never the rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from syncd.report.loop_sql import KEYS, c
from syncd.report.period import Period

_RANK = {"detractor": 0, "passive": 1, "promoter": 2}
#: Effectiveness is reported overall, per team and per owner.
EFFECT_DIMENSIONS = ("overall", "team", "owner")


@dataclass(frozen=True, slots=True)
class EffectStats:
    """Detractor/passive answers of one kind: how many answered again, moved up, by how much.

    ``changes`` is a histogram {next score - score: answers}; ``median_change`` is its median
    (linear interpolation, as the durations), None without a next answer.
    """

    answers: int = 0
    answered_again: int = 0
    moved_up: int = 0
    changes: Mapping[int, int] = field(default_factory=dict)

    @property
    def moved_up_share(self) -> float | None:
        """Share of those who answered again whose category went up."""
        return self.moved_up / self.answered_again if self.answered_again else None

    @property
    def median_change(self) -> float | None:
        """Median score change among those who answered again."""
        return histogram_median(self.changes)


@dataclass(frozen=True, slots=True)
class Effect:
    """One group's effectiveness: loops closed before the next answer beside the others."""

    dimension: str
    key: str
    closed: EffectStats
    not_closed: EffectStats


def histogram_median(counts: Mapping[int, int]) -> float | None:
    """The median of the values {value: count}, interpolated like ``metrics.percentile``."""
    n = sum(counts.values())
    if n == 0:
        return None
    h = (n - 1) * 0.5
    low, high = math.floor(h), min(math.floor(h) + 1, n - 1)
    seen, at_low, at_high = 0, None, None
    for value in sorted(counts):
        seen += counts[value]
        if at_low is None and seen > low:
            at_low = value
        if seen > high:
            at_high = value
            break
    assert at_low is not None and at_high is not None
    return at_low + (h - low) * (at_high - at_low)


def _rank(column: ColumnElement[str | None]) -> ColumnElement[int]:
    return case(*((column == name, rank) for name, rank in _RANK.items()), else_=-1)


@dataclass(slots=True)
class _Tally:
    answers: int = 0
    again: int = 0
    up: int = 0
    changes: dict[int, int] = field(default_factory=dict)

    def stats(self) -> EffectStats:
        return EffectStats(self.answers, self.again, self.up, dict(self.changes))


def effectiveness(conn: Connection, dimension: str, period: Period) -> list[Effect]:
    """Effectiveness per group of ``dimension`` ("overall", "team" or "owner")."""
    respondent = func.coalesce(func.lower(c.email), "id:" + c.contact_id)
    by: list[ColumnElement[Any]] = [c.crm, respondent]
    order: list[ColumnElement[Any]] = [c.response_ms, c.source, c.response_id]
    seq = (
        select(
            KEYS[dimension].label("key"),
            c.category,
            c.score,
            c.closed_ms,
            c.task_id,
            c.response_ms,
            c.source,
            c.response_id,
            func.lead(c.score).over(partition_by=by, order_by=order).label("next_score"),
            func.lead(c.category).over(partition_by=by, order_by=order).label("next_category"),
            func.lead(c.response_ms).over(partition_by=by, order_by=order).label("next_ms"),
        )
        .where(respondent.is_not(None))
        .subquery()
    )
    s = seq.c
    closed = case(
        (
            and_(
                s.task_id.is_not(None),
                s.closed_ms.is_not(None),
                or_(s.next_ms.is_(None), s.closed_ms <= s.next_ms),
            ),
            1,
        ),
        else_=0,
    ).label("closed")
    delta = (s.next_score - s.score).label("delta")
    moved = func.sum(case((_rank(s.next_category) > _rank(s.category), 1), else_=0))
    scope = [s.category.in_(("detractor", "passive")), *period.on(s.response_ms, s.source)]
    query = (
        select(s.key, closed, delta, func.count(), func.count(s.next_ms), moved)
        .where(*scope)
        .group_by(s.key, closed, delta)
    )
    tally: dict[tuple[str, int], _Tally] = {}
    for key, is_closed, change, n, again, up in conn.execute(query):
        entry = tally.setdefault((str(key), int(is_closed)), _Tally())
        entry.answers += n
        entry.again += again
        entry.up += up or 0
        if change is not None:
            entry.changes[int(change)] = entry.changes.get(int(change), 0) + n
    empty = _Tally()
    return [
        Effect(
            dimension,
            key,
            tally.get((key, 1), empty).stats(),
            tally.get((key, 0), empty).stats(),
        )
        for key in sorted({key for key, _ in tally})
    ]
