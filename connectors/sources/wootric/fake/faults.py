"""Ways the Wootric fake misbehaves: queued failures, random chaos, and broken listings.

Queued failures answer the next requests with one status; chaos fails a share of requests at
random (5xx, 429 with or without ``Retry-After``, a dropped connection, a slow answer), seeded so
a run can be repeated; the listing faults serve pages that never end or never move on.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from syncd.sandbox.http import Response


class Fault(StrEnum):
    """A misbehaviour of the responses listing."""

    #: Every page is full of responses never seen before: the listing has no end.
    ENDLESS = "endless"
    #: The same full page, whatever page is asked for.
    REPEAT = "repeat"
    #: Correct pages, sent one byte at a time.
    TRICKLE = "trickle"


@dataclass(frozen=True, slots=True)
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


def error(status: int, message: str, **headers: str) -> Response:
    """An error as Wootric sends one: ``{"error": ..., "status": ...}`` (third-party:
    api-evangelist/wootric openapi/wootric-responses-api-openapi.yml)."""
    return Response(status, {"error": message, "status": status}, dict(headers))


def rate_limited(retry_after: float | None) -> Response:
    """A 429 with the ``X-Rate-Limit-*`` headers Wootric sends [singer-io/tap-wootric]."""
    headers = {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0"}
    if retry_after is not None:
        headers["Retry-After"] = _seconds(retry_after)
    return Response(429, {"error": "Too Many Requests", "status": 429}, headers)


@dataclass
class Failures:
    """The failures still to serve, queued and random."""

    queued: deque[Response] = field(default_factory=deque)
    chaos: Chaos | None = None
    _rng: random.Random = field(default_factory=random.Random)

    def set_chaos(self, chaos: Chaos | None) -> None:
        self.chaos = chaos
        self._rng = random.Random(chaos.seed if chaos else 0)

    def next(self) -> Response | None:
        """The failure to answer the next request with, if any; a slow answer has status 0."""
        if self.queued:
            return self.queued.popleft()
        chaos = self.chaos
        if chaos is None:
            return None
        roll = self._rng.random()
        for share, make in (
            (chaos.server_error, self._server_error),
            (chaos.rate_limited, self._rate_limited),
            (chaos.reset, lambda: Response(0, drop=True)),
            (chaos.slow, lambda: Response(0, trickle_seconds=chaos.slow_seconds)),
        ):
            if roll < share:
                return make()
            roll -= share
        return None

    def _server_error(self) -> Response:
        return error(self._rng.choice((500, 502, 503)), "Internal Server Error")

    def _rate_limited(self) -> Response:
        bare = self.chaos is not None and self._rng.random() < self.chaos.without_retry_after
        return rate_limited(None if bare else 1)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
