"""Latency figures the benchmarks share: percentiles, and when the CRM fake created its tasks.

Times are wall-clock epoch milliseconds: the fakes may run in another process than the one that
starts syncd, and the wall clock is the one both share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The HubSpot fake's creation stamp on a task (ISO 8601, milliseconds, from the fake's clock).
CREATED = "hs_createdate"


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100) of ``values``: a value that occurred.

    Nearest rank, not interpolation: "p95 = 7.1 s" then means one answer in twenty waited at
    least 7.1 s, never a figure between two answers.
    """
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} is not in (0, 100]")
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True, slots=True)
class Spread:
    """How a set of delays is spread: its count, p50, p95 and maximum, in seconds."""

    count: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread | None:
        """The spread of ``seconds``; None when there are none."""
        if not seconds:
            return None
        return cls(len(seconds), percentile(seconds, 50), percentile(seconds, 95), max(seconds))

    def line(self, what: str) -> str:
        """One line of output: ``what: p50 1.2 s, p95 3.4 s, max 5.6 s (n answers)``."""
        return (
            f"{what}: p50 {self.p50:.1f} s, p95 {self.p95:.1f} s, max {self.max:.1f} s "
            f"({self.count})"
        )


def created_ms(task: Mapping[str, Any]) -> int:
    """A fake task's creation time (``hs_createdate``) in epoch milliseconds."""
    stamp = datetime.fromisoformat(str(task["properties"][CREATED]))
    return round(stamp.timestamp() * 1000)


def task_times(tasks: Iterable[Mapping[str, Any]]) -> dict[str, int | None]:
    """When the first task, and 10% / 50% / 95% / all of the tasks existed (epoch ms).

    Written into the benchmark fakes' stats file: the runner subtracts syncd's start time, so a
    backfill that delivers from the start shows a first task within one interval and 10% of the
    tasks soon after, not everything at the end.
    """
    times = sorted(created_ms(task) for task in tasks)
    if not times:
        return {"count": 0, "first": None, "p10": None, "p50": None, "p95": None, "last": None}
    return {
        "count": len(times),
        "first": times[0],
        "p10": int(percentile(times, 10)),
        "p50": int(percentile(times, 50)),
        "p95": int(percentile(times, 95)),
        "last": times[-1],
    }
