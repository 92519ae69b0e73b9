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
        self._open: dict[str, tuple[float, int]] = {}
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
        """``stage`` begins a slice."""
        with self._lock:
            self._open[stage] = (self._clock(), self._calls)

    def stop(self, stage: str) -> None:
        """``stage`` ends a slice: add its time and calls."""
        with self._lock:
            began = self._open.pop(stage, None)
            calls = self._calls
        if began is None:
            return
        cost = self.costs.setdefault(stage, StageCost())
        cost.seconds += self._clock() - began[0]
        cost.crm_calls += calls - began[1]

    def cost(self, stage: str) -> StageCost:
        """The stage's cost this pass (zero when it did not run)."""
        return self.costs.get(stage, StageCost())
