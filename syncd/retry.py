"""Retry policy as data: how long an outbox action waits before its next attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, never shorter than what the vendor asked for."""

    max_attempts: int
    base_seconds: float
    max_seconds: float
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before the next try of attempt ``attempt`` (1-based)."""
        exponential = min(self.max_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1))
        # Jitter spreads out replicas that failed together, so they do not retry in lockstep.
        jittered = exponential * random.uniform(1 - self.jitter, 1 + self.jitter)
        return max(jittered, retry_after or 0.0)

    def exhausted(self, attempt: int) -> bool:
        """True once ``attempt`` is the last one allowed."""
        return attempt >= self.max_attempts
