"""The CRM allowance left, as the vendor's rate headers last reported it."""

from __future__ import annotations

import threading

from syncd.edge.traffic import Exchange


class Allowance:
    """Remaining calls and limits per window (``daily``, ``burst``), from the latest answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining: dict[str, int] = {}
        self._limits: dict[str, int] = {}

    def observe(self, exchange: Exchange) -> None:
        """Keep what an answer's rate headers said; answers without them change nothing."""
        rate = exchange.rate
        with self._lock:
            for window, remaining, limit in (
                ("daily", rate.daily_remaining, rate.daily_limit),
                ("burst", rate.remaining, rate.limit),
            ):
                if remaining is not None:
                    self._remaining[window] = remaining
                if limit is not None:
                    self._limits[window] = limit

    def remaining(self) -> dict[str, int]:
        """Calls left per window."""
        with self._lock:
            return dict(self._remaining)

    def limits(self) -> dict[str, int]:
        """The limit per window."""
        with self._lock:
            return dict(self._limits)
