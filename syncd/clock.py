"""UTC time helpers; the store keeps integer milliseconds.

Everything in syncd that needs the time of day reads ``utcnow()``. It is the real clock unless a
``SimulatedClock`` is installed with ``simulated()``: only ``syncd demo`` does that, to run a
week of the daemon's passes in seconds. Monotonic timers (sleeps, rests, rate limits, leases'
heartbeats) stay on real time: they measure how long syncd waits, not when things happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

#: The clock ``utcnow`` reads instead of the real one while a simulation runs; empty: real time.
_installed: list[Callable[[], datetime]] = []
_Clock = TypeVar("_Clock", bound=Callable[[], datetime])


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the simulated time while one is installed)."""
    return _installed[0]() if _installed else datetime.now(UTC)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds, the store's time format."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The UTC time of epoch milliseconds read from the store."""
    return datetime.fromtimestamp(ms / 1000, UTC)


class SimulatedClock:
    """A clock that stands still until it is moved forward; it never runs backwards.

    Call it for the time, like ``utcnow``. Reads from other threads (the sandbox's fake servers)
    see either the time before or after a move, never a torn value.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock starts at a timezone-aware time")
        self._now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        """The simulated time, in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (not negative); returns the new time."""
        if delta < timedelta(0):
            raise ValueError(f"a clock does not run backwards (advance by {delta})")
        self._now += delta
        return self._now

    def advance_to(self, moment: datetime) -> datetime:
        """Move forward to ``moment``; a moment already past leaves the clock where it is."""
        if moment.tzinfo is None:
            raise ValueError("advance_to needs a timezone-aware time")
        self._now = max(self._now, moment.astimezone(UTC))
        return self._now


@contextmanager
def simulated(clock: _Clock) -> Iterator[_Clock]:
    """Make ``utcnow`` read ``clock`` inside the block; the real clock comes back after it.

    One at a time: a second ``simulated`` inside the first is refused, since two simulations
    in one process could not both be true.
    """
    if _installed:
        raise RuntimeError("a simulated clock is already installed")
    _installed.append(clock)
    try:
        yield clock
    finally:
        _installed.clear()
