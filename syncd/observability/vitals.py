"""The loop's vital signs: when it last turned, and how each dependency last answered.

The daemon thread writes, the HTTP threads read; every read is a consistent copy taken under one
lock. Times are wall-clock seconds (``time.time``) so they can be compared with the store's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Reach:
    """How one dependency (a source, the CRM) last answered."""

    last_success: float | None = None
    last_failure: float | None = None
    error: str | None = None
    #: Delivery paused by the CRM's allowance (a daily limit), with why.
    paused: str | None = None
    #: The latest attempt failed.
    failing: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A consistent copy of the vitals."""

    started: float
    last_beat: float
    passes: int
    reach: Mapping[str, Reach] = field(default_factory=dict)


class Vitals:
    """Beats of the loop and the reach of each dependency, safe to read from any thread."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        now = clock()
        self._lock = threading.Lock()
        self._started = now
        self._last_beat = now
        self._passes = 0
        self._reach: dict[str, Reach] = {}

    def beat(self) -> None:
        """The loop is turning (a pass or a stage started or ended)."""
        with self._lock:
            self._last_beat = self.clock()

    def pass_started(self) -> None:
        """A pass begins."""
        with self._lock:
            self._last_beat = self.clock()
            self._passes += 1

    def reached(self, name: str) -> None:
        """``name`` answered as it should; a pause it caused is over."""
        self._update(name, last_success=self.clock(), paused=None, failing=False)

    def failed(self, name: str, error: str, *, paused: bool = False) -> None:
        """``name`` could not be used; ``paused`` when its allowance holds delivery back."""
        now = self.clock()
        self._update(
            name, last_failure=now, error=error, paused=error if paused else None, failing=True
        )

    def snapshot(self) -> Snapshot:
        """Everything, as of now."""
        with self._lock:
            return Snapshot(self._started, self._last_beat, self._passes, dict(self._reach))

    def _update(self, name: str, **changes: object) -> None:
        with self._lock:
            current = self._reach.get(name, Reach())
            self._reach[name] = replace(current, **changes)  # type: ignore[arg-type]
