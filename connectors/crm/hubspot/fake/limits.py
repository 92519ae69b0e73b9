"""Rate limits and injected faults.

Rate limits run on the real monotonic clock, not on the fake's business ``clock``: they are about
how fast the client really sends requests, while ``clock`` stamps records and ages the index.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.crm.hubspot.fake.errors import fault_body
from syncd.sandbox.http import Response

TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
SECONDLY = "SECONDLY"
DAILY = "DAILY"


class RollingWindow:
    """At most ``limit`` admitted requests in any ``seconds``-long window."""

    def __init__(
        self, limit: int, seconds: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self._seconds = seconds
        self._now = now
        self._admitted: deque[float] = deque()

    def admit(self) -> bool:
        now = self._now()
        while self._admitted and self._admitted[0] <= now - self._seconds:
            self._admitted.popleft()
        if len(self._admitted) >= self.limit:
            return False
        self._admitted.append(now)
        return True

    def remaining(self) -> int:
        return max(self.limit - len(self._admitted), 0)


@dataclass(slots=True)
class Fault:
    """The next ``times`` requests whose path contains ``path_contains`` fail with ``status``."""

    path_contains: str
    status: int
    times: int
    after_processing: bool
    retry_after: float | None
    drop: bool

    def response(self, policy: str, *, named: bool = True) -> Response:
        headers = {} if self.retry_after is None else {"Retry-After": _seconds(self.retry_after)}
        body = fault_body(self.status, policy)
        if not named:  # the 429 shape without policyName
            body.pop("policyName", None)
        return Response(self.status, body, headers, drop=self.drop)


class Faults:
    """Armed faults, consumed first-armed first, and the slow commits, if any."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self.slow: SlowCommits | None = None

    def delay_for(self, method: str, path: str) -> float:
        return 0.0 if self.slow is None else self.slow.delay_for(method, path)

    def arm(self, fault: Fault) -> None:
        if fault.times > 0:
            self._armed.append(fault)

    def take(self, path: str) -> Fault | None:
        for fault in self._armed:
            if fault.path_contains in path:
                fault.times -= 1
                if fault.times == 0:
                    self._armed.remove(fault)
                return fault
        return None


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class SlowCommits:
    """Writes that land late: the client's timeout runs out before HubSpot commits them.

    A request whose path contains one of ``paths`` is, with ``probability``, held for
    ``delay_seconds`` before it is processed. The client sees a timeout (an unknown outcome),
    and the write still lands afterwards, possibly after the client's retry or lookup.
    """

    def __init__(
        self, probability: float, delay_seconds: float, paths: Sequence[str], seed: int
    ) -> None:
        self._probability = probability
        self._delay = delay_seconds
        self._paths = tuple(paths)
        self._rng = random.Random(seed)
        self.count = 0

    def delay_for(self, method: str, path: str) -> float:
        if method == "GET" or not any(fragment in path for fragment in self._paths):
            return 0.0
        if self._rng.random() >= self._probability:
            return 0.0
        self.count += 1
        return self._delay
