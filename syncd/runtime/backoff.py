"""Per-stage backoff: a stage that keeps failing is retried less and less often, up to a cap."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class StageBackoff:
    """Tracks consecutive failures per stage; a success resets the stage.

    After the n-th failure in a row a stage rests ``base * 2**(n-1)`` seconds (at most ``cap``):
    a broken source or CRM is not hammered every pass, and the other stages keep running.
    """

    base: float
    cap: float
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, int] = field(default_factory=dict)
    _resume_at: dict[str, float] = field(default_factory=dict)

    def ready(self, stage: str) -> bool:
        """True when ``stage`` is not resting after a failure."""
        return self.clock() >= self._resume_at.get(stage, 0.0)

    def failed(self, stage: str) -> float:
        """Record a failure; the seconds the stage now rests."""
        failures = self._failures.get(stage, 0) + 1
        self._failures[stage] = failures
        delay = min(self.base * 2.0 ** min(failures - 1, 30), self.cap)
        self._resume_at[stage] = self.clock() + delay
        return delay

    def succeeded(self, stage: str) -> None:
        """Forget ``stage``'s failures: its next failure rests the shortest time again."""
        self._failures.pop(stage, None)
        self._resume_at.pop(stage, None)
