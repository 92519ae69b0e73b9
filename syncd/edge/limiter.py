"""Client-side rate limiting shaped by the vendors' published limits.

Connectors hold a ``Limiter``, not a class, and make them through a ``LimiterFactory`` the
composition root passes in: the in-process ``SlidingWindowLimiter`` serves one daemon, and on
PostgreSQL a store-backed limiter shared by every replica takes its place without a connector
noticing. HubSpot's burst limit is a *rolling* 10-second window, so a plain token bucket can
still burst into 429s; a log of recent call times is exact and cheap at these volumes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Limiter(Protocol):
    """Paces the calls to one vendor account."""

    def acquire(self) -> None:
        """Block until one more call is allowed, then count it."""

    def penalise(self, seconds: float) -> None:
        """Let no call through for ``seconds`` (the vendor answered 429), for every caller."""


class LimiterFactory(Protocol):
    """Makes the limiter of one budget of one vendor account.

    ``key`` names the budget within the connector ("burst", "search"); the factory scopes it to
    the connector, so replicas of the same connector share one budget and two connectors never do.
    """

    def __call__(self, key: str, max_calls: int, period: float) -> Limiter:
        """A limiter allowing ``max_calls`` in any ``period`` seconds."""
        ...


def local_limiter(key: str, max_calls: int, period: float) -> Limiter:
    """``LimiterFactory`` of one process: a ``SlidingWindowLimiter`` per budget."""
    return SlidingWindowLimiter(max_calls, period)


class Unlimited:
    """A ``Limiter`` that never waits: for a simulation whose clock is not the real one."""

    def acquire(self) -> None:
        """Let the call through at once."""

    def penalise(self, seconds: float) -> None:
        """Ignore the pause; a vendor's 429 still makes the client retry after Retry-After."""


def unlimited(key: str, max_calls: int, period: float) -> Limiter:
    """``LimiterFactory`` of ``Unlimited`` limiters (``syncd demo``'s compressed week)."""
    return Unlimited()


def per_second(rate: float) -> tuple[int, float]:
    """``rate`` calls per second as a window of whole calls: 2/s is 2 per 1 s, 0.5/s is 1 per
    2 s, 2.5/s is 2 per 0.8 s."""
    if rate <= 0:
        raise ValueError("rate must be > 0")
    calls = max(1, int(rate))
    return calls, calls / rate


class SlidingWindowLimiter:
    """Allow at most ``max_calls`` in any ``period`` seconds; ``acquire`` blocks until allowed."""

    def __init__(
        self,
        max_calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self._paused_until = 0.0

    @classmethod
    def per_second(
        cls,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> SlidingWindowLimiter:
        """``rate`` calls per second (see ``per_second``)."""
        calls, period = per_second(rate)
        return cls(calls, period, clock=clock, sleep=sleep)

    def acquire(self) -> None:
        """Block until a call fits in the window (and any pause is over), then count it."""
        while (wait := self._reserve()) > 0:
            self._sleep(wait)

    def penalise(self, seconds: float) -> None:
        """Hold every caller back for ``seconds``: the vendor said 429 despite the window."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _reserve(self) -> float:
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            while self._calls and self._calls[0] <= now - self.period:
                self._calls.popleft()
            if len(self._calls) < self.max_calls:
                self._calls.append(now)
                return 0.0
            return self._calls[0] + self.period - now
