"""How a source fake misbehaves: queued failures, seeded random chaos, broken listings.

Queued failures answer the next requests with one status; chaos fails a share of requests at
random (5xx, 429 with or without ``Retry-After``, a dropped connection, a slow answer), seeded so
a run can be repeated; a broken listing never ends, repeats one page or crawls. Each is a vendor
failure a pass must survive within its bounds. The bodies and headers of the errors are each
vendor's own, so a fake passes its own ``error`` and ``rate_limited`` makers to ``Failures``.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from syncd.sandbox.http import Response

#: What chaos does to one request; "429" carries no ``Retry-After``, "429-after" one second.
Outcome = Literal["500", "429", "429-after", "reset", "slow"]


class Fault(StrEnum):
    """A misbehaviour of the responses listing."""

    #: Every page is full of responses never seen before: the listing has no end.
    ENDLESS = "endless"
    #: The same full page, whatever page is asked for.
    REPEAT = "repeat"
    #: Correct pages, sent one byte at a time.
    TRICKLE = "trickle"


@dataclass(slots=True)
class Chaos:
    """Shares (0-1) of requests to fail each way; ``seed`` makes a run repeatable."""

    server_error: float = 0.0
    rate_limited: float = 0.0
    #: Of the rate-limited answers, the share that carries no ``Retry-After``.
    without_retry_after: float = 0.5
    reset: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 0.05
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        """Draw again from the start of the seeded sequence."""
        self._rng = random.Random(self.seed)

    def draw(self) -> Outcome | None:
        """What to do to the next request; None: answer it normally."""
        roll = self._rng.random()
        outcomes: tuple[tuple[Outcome, float], ...] = (
            ("500", self.server_error),
            ("429", self.rate_limited),
            ("reset", self.reset),
            ("slow", self.slow),
        )
        for outcome, share in outcomes:
            if roll < share:
                if outcome == "429" and self._rng.random() >= self.without_retry_after:
                    return "429-after"
                return outcome
            roll -= share
        return None

    def pick(self, statuses: Sequence[int]) -> int:
        """One of ``statuses``, drawn from the same seeded sequence."""
        return self._rng.choice(statuses)


@dataclass
class Failures:
    """The failures still to serve, queued and random, in one vendor's error shapes."""

    #: The vendor's error: ``error(status, message, **headers)``.
    error: Callable[..., Response]
    #: The vendor's 429, with ``Retry-After`` in seconds or without one (None).
    rate_limited: Callable[[float | None], Response]
    queued: deque[Response] = field(default_factory=deque)
    chaos: Chaos | None = None

    def set_chaos(self, chaos: Chaos | None) -> None:
        """Fail a share of later requests at random, from the start of its seed (None: stop)."""
        self.chaos = chaos
        if chaos is not None:
            chaos.restart()

    def inject(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests with ``status``."""
        for _ in range(times):
            if status == 429:
                self.queued.append(self.rate_limited(retry_after))
            else:
                headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
                self.queued.append(self.error(status, f"error {status}", **headers))

    def next(self) -> Response | None:
        """The failure to answer the next request with, if any; a slow answer has status 0."""
        if self.queued:
            return self.queued.popleft()
        chaos = self.chaos
        outcome = chaos.draw() if chaos is not None else None
        if chaos is None or outcome is None:
            return None
        if outcome == "500":
            return self.error(chaos.pick((500, 502, 503)), "Internal Server Error")
        if outcome in ("429", "429-after"):
            return self.rate_limited(1 if outcome == "429-after" else None)
        if outcome == "reset":
            return Response(0, drop=True)
        return Response(0, trickle_seconds=chaos.slow_seconds)


def retry_after_text(seconds: float) -> str:
    """``Retry-After`` as whole seconds when they are whole (``"1"``, not ``"1.0"``)."""
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


class FaultControls:
    """``inject``, ``chaos`` and ``misbehave`` for a source fake built on ``Failures``.

    The fake sets ``_lock``, ``_failures``, ``_fault`` and ``_repeated`` (the page a REPEAT
    fault serves again) in its constructor and consults them when it answers a listing.
    """

    _lock: threading.Lock
    _failures: Failures
    _fault: Fault | None
    _repeated: list[dict[str, Any]] | None

    def inject(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` API requests with ``status``."""
        with self._lock:
            self._failures.inject(status, times, retry_after)

    def chaos(self, chaos: Chaos | None) -> None:
        """Fail a share of later API requests at random (None: stop)."""
        with self._lock:
            self._failures.set_chaos(chaos)

    def misbehave(self, fault: Fault | None) -> None:
        """Serve every later listing with ``fault`` (None: behave again)."""
        with self._lock:
            self._fault, self._repeated = fault, None
