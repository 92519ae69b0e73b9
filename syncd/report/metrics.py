"""Loop-closure and NPS metrics: pure computation over plain values, no database.

Time to task, to first touch and to close run from the SLA clock's start (``sla_start_ms``):
the customer's answer, or, for an answer backfilled more than a day late, the moment syncd saw
it. So time to task is what the customer waited for a follow-up to exist (the source's
publishing lag and the poll interval included), never the age of a backfill. Loops recorded
before those stamps existed use the answer's time. Times are integer milliseconds since the
epoch (UTC), as in the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from syncd.model import NpsCategory
from syncd.report.nps import Nps, nps_from_scores

__all__ = ["Nps", "nps_from_scores"]  # re-exported: part of the metrics vocabulary

CATEGORY_ORDER = ("detractor", "passive", "promoter")
UNASSIGNED = "(unassigned)"
NO_TEAM = "(no team)"
NO_SURVEY = "(no survey)"
TOO_OLD = "too_old"
THROTTLED = "throttled"
MERGED = "merged"


@dataclass(frozen=True, slots=True)
class LoopRow:
    """One ``loops`` record reduced to what the report needs; ``has_task``: a task id is set."""

    crm: str
    category: str
    team: str | None
    owner_id: str | None
    has_task: bool
    response_ms: int
    due_ms: int | None = None
    task_created_ms: int | None = None
    first_touch_ms: int | None = None
    closed_ms: int | None = None
    score: int = 0
    seen_ms: int | None = None
    sla_start_ms: int | None = None
    reopened_ms: int | None = None
    no_task_reason: str | None = None
    outcome: str | None = None
    escalated_ms: int | None = None

    @property
    def seen(self) -> int:
        """When syncd first saw the answer (the answer's time for older records)."""
        return self.response_ms if self.seen_ms is None else self.seen_ms

    @property
    def clock(self) -> int:
        """Where the SLA clock started (the answer's time for older records)."""
        return self.response_ms if self.sla_start_ms is None else self.sla_start_ms


@dataclass(frozen=True, slots=True)
class OwnerName:
    """How the ``owners`` table names a CRM user."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class DurationStats:
    """Count, median and p90 of one duration in milliseconds (``None`` when count is 0)."""

    count: int = 0
    median_ms: float | None = None
    p90_ms: float | None = None


@dataclass(frozen=True, slots=True)
class LoopMetrics:
    """The loop-closure numbers of one group of loops.

    ``responses`` counts every loop and splits into ``promoters``/``passives``/``detractors``
    by score; ``tasks`` those with a task (the others are responses only); ``touched`` tasks
    with a first touch; ``closed``/``open`` split the tasks on ``closed_ms``; ``overdue`` counts
    open loops with ``due_ms < now``; ``reopened`` loops reopened at least once; ``backfilled``
    loops whose SLA clock started when syncd saw them; ``too_old`` answers a rule would have
    given a task but were older than ``max_task_age_days``; ``throttled`` answers a rule's
    ``once_per_days`` held back and ``merged`` answers appended to an open follow-up (neither
    got a task of its own); ``closed_without_outcome`` closed loops whose task recorded no
    outcome; ``escalated`` loops escalated once overdue. ``time_to_task``,
    ``time_to_first_touch`` and ``time_to_close`` run from the SLA clock start.

    ``sla_share`` = ``sla_met`` / ``sla_counted``, where ``sla_met`` counts loops closed at or
    before their due time and ``sla_counted`` counts loops that have a task and a due time and
    are either closed or already past due (``due_ms < now``). Open loops still inside their SLA
    are left out, so they do not count against the team yet.
    """

    responses: int = 0
    tasks: int = 0
    touched: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    sla_met: int = 0
    sla_counted: int = 0
    time_to_task: DurationStats = DurationStats()
    time_to_first_touch: DurationStats = DurationStats()
    time_to_close: DurationStats = DurationStats()
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    reopened: int = 0
    backfilled: int = 0
    too_old: int = 0
    throttled: int = 0
    merged: int = 0
    closed_without_outcome: int = 0
    escalated: int = 0

    @property
    def nps(self) -> Nps:
        """The NPS of the group's answers."""
        return Nps(self.promoters, self.passives, self.detractors)

    @property
    def sla_share(self) -> float | None:
        """Share of counted loops closed by their due time; None when none is counted."""
        return self.sla_met / self.sla_counted if self.sla_counted else None


@dataclass(frozen=True, slots=True)
class Group:
    """One row of a breakdown: ``key`` identifies it, ``label`` (and ``email``) name it."""

    dimension: str
    key: str
    label: str
    email: str | None
    metrics: LoopMetrics


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0 <= q <= 1) of non-empty ``values`` by linear interpolation.

    Method (Hyndman-Fan type 7, numpy's default, Excel PERCENTILE.INC): sort the values into
    x[0..n-1], let h = (n - 1) * q; the result is x[floor(h)] + (h - floor(h)) *
    (x[floor(h) + 1] - x[floor(h)]). So the median of [1, 2] is 1.5 and p90 of [0, 10] is 9.
    """
    if not values or not 0 <= q <= 1:
        raise ValueError("percentile needs values and 0 <= q <= 1")
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (h - low) * (ordered[high] - ordered[low])
    # Clamp to the bracketing values: float rounding must never leave [min, max].
    return min(max(value, ordered[low]), ordered[high])


def duration_stats(durations: Sequence[int]) -> DurationStats:
    """Count, median and 90th percentile of ``durations``."""
    if not durations:
        return DurationStats()
    return DurationStats(len(durations), percentile(durations, 0.5), percentile(durations, 0.9))


def _elapsed(
    rows: Iterable[LoopRow], stamp: Callable[[LoopRow], int | None], start: Callable[[LoopRow], int]
) -> list[int]:
    # A stamp earlier than its start is clock skew between survey tool and CRM: count it as 0.
    return [max(0, at - start(r)) for r in rows if (at := stamp(r)) is not None]


def _band(score: int) -> str:
    return NpsCategory.from_score(score).value if 0 <= score <= 10 else "invalid"


def loop_metrics(rows: Sequence[LoopRow], now_ms: int) -> LoopMetrics:
    """Counts, SLA share and durations of ``rows``; loops without a task are responses only."""
    tasks = [r for r in rows if r.has_task]
    closed = [r for r in tasks if r.closed_ms is not None]
    open_ = [r for r in tasks if r.closed_ms is None]
    past_due = [r for r in open_ if r.due_ms is not None and r.due_ms < now_ms]
    bands = [_band(r.score) for r in rows]
    return LoopMetrics(
        responses=len(rows),
        tasks=len(tasks),
        touched=sum(r.first_touch_ms is not None for r in tasks),
        closed=len(closed),
        open=len(open_),
        overdue=len(past_due),
        sla_met=sum(_within_sla(r) for r in closed),
        sla_counted=sum(r.due_ms is not None for r in closed) + len(past_due),
        time_to_task=duration_stats(_elapsed(tasks, lambda r: r.task_created_ms, _clock)),
        time_to_first_touch=duration_stats(_elapsed(tasks, lambda r: r.first_touch_ms, _clock)),
        time_to_close=duration_stats(_elapsed(closed, lambda r: r.closed_ms, _clock)),
        promoters=bands.count("promoter"),
        passives=bands.count("passive"),
        detractors=bands.count("detractor"),
        reopened=sum(r.reopened_ms is not None for r in rows),
        backfilled=sum(r.clock > r.response_ms for r in rows),
        too_old=sum(r.no_task_reason == TOO_OLD for r in rows),
        throttled=sum(r.no_task_reason == THROTTLED for r in rows),
        merged=sum(r.no_task_reason == MERGED for r in rows),
        closed_without_outcome=sum(r.outcome is None for r in closed),
        escalated=sum(r.escalated_ms is not None for r in rows),
    )


def _clock(row: LoopRow) -> int:
    return row.clock


def _within_sla(row: LoopRow) -> bool:
    return row.closed_ms is not None and row.due_ms is not None and row.closed_ms <= row.due_ms


def _bucket(rows: Iterable[LoopRow], key: Callable[[LoopRow], str]) -> dict[str, list[LoopRow]]:
    buckets: dict[str, list[LoopRow]] = {}
    for row in rows:
        buckets.setdefault(key(row), []).append(row)
    return buckets


def overall_group(total: LoopMetrics) -> Group:
    """The all-loops total shaped like a breakdown row, so tables and CSV treat it alike."""
    return Group("overall", "all", "All loops", None, total)


def by_category(rows: Sequence[LoopRow], now_ms: int) -> tuple[Group, ...]:
    """All three NPS categories, detractors first, even when empty; unknown ones after."""
    buckets = _bucket(rows, lambda r: r.category)
    extra = sorted(set(buckets) - set(CATEGORY_ORDER))
    return tuple(
        Group("category", c, c, None, loop_metrics(buckets.get(c, []), now_ms))
        for c in (*CATEGORY_ORDER, *extra)
    )


def by_team(rows: Sequence[LoopRow], now_ms: int) -> tuple[Group, ...]:
    """Teams in name order; loops routed to no team last, as ``(no team)``."""
    buckets = _bucket(rows, lambda r: r.team or NO_TEAM)
    names = sorted(buckets, key=lambda t: (t == NO_TEAM, t.casefold(), t))
    return tuple(Group("team", t, t, None, loop_metrics(buckets[t], now_ms)) for t in names)


def by_owner(
    rows: Sequence[LoopRow], now_ms: int, owners: Mapping[tuple[str, str], OwnerName]
) -> tuple[Group, ...]:
    """Owners keyed ``crm:id`` and named from ``owners``; unknown ids show as the id."""
    buckets = _bucket(rows, lambda r: f"{r.crm}:{r.owner_id}" if r.owner_id else UNASSIGNED)
    groups = [_owner_group(key, bucket, now_ms, owners) for key, bucket in buckets.items()]
    return tuple(sorted(groups, key=lambda g: (g.key == UNASSIGNED, g.label.casefold(), g.key)))


def _owner_group(
    key: str, rows: Sequence[LoopRow], now_ms: int, owners: Mapping[tuple[str, str], OwnerName]
) -> Group:
    metrics = loop_metrics(rows, now_ms)
    first = rows[0]
    if first.owner_id is None:
        return Group("owner", key, UNASSIGNED, None, metrics)
    known = owners.get((first.crm, first.owner_id))
    label, email = (known.name, known.email) if known else (first.owner_id, None)
    return Group("owner", key, label, email, metrics)
