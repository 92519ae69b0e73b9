"""Wall time and CRM calls per stage within one pass, summed over the stage's slices."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from syncd.edge.traffic import Exchange


@dataclass(slots=True)
class StageCost:
    """What one stage cost in a pass."""

    seconds: float = 0.0
    crm_calls: int = 0


class StageClock:
    """Times stages (they may nest: deliver runs inside a long poll) and counts CRM calls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls = 0
        self._lock = threading.Lock()
        #: Per open stage: when its first open slice began, the calls then, and how many are open.
        self._open: dict[str, tuple[float, int, int]] = {}
        self.costs: dict[str, StageCost] = {}

    def count(self, _exchange: Exchange) -> None:
        """One CRM call: a ``Traffic`` observer."""
        with self._lock:
            self._calls += 1

    def reset(self) -> None:
        """A new pass: nothing counted yet."""
        self._open.clear()
        self.costs = {}

    def start(self, stage: str) -> None:
        """``stage`` begins a slice (another of its slices may be open: delivery's two lanes)."""
        with self._lock:
            opened = self._open.get(stage)
            if opened is None:
                self._open[stage] = (self._clock(), self._calls, 1)
            else:
                self._open[stage] = (opened[0], opened[1], opened[2] + 1)

    def stop(self, stage: str) -> None:
        """``stage`` ends a slice; once none of its slices is open, add their time and calls
        (overlapping slices count once: the time from the first start to the last stop)."""
        with self._lock:
            opened = self._open.pop(stage, None)
            if opened is None:
                return
            began, calls_then, open_slices = opened
            if open_slices > 1:
                self._open[stage] = (began, calls_then, open_slices - 1)
                return
            calls = self._calls
        cost = self.costs.setdefault(stage, StageCost())
        cost.seconds += self._clock() - began
        cost.crm_calls += calls - calls_then

    def cost(self, stage: str) -> StageCost:
        """The stage's cost this pass (zero when it did not run)."""
        return self.costs.get(stage, StageCost())
