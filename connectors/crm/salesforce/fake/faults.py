"""Fault injection: armed failures, a seeded chaos mode, and the org's daily API allowance.

Salesforce meters API calls per org over a rolling 24 hours and reports the count on every
answer as ``Sforce-Limit-Info: api-usage=used/max`` (REST API guide, "Response Headers"); once
spent, every call gets 403 ``REQUEST_LIMIT_EXCEEDED`` (crm-api-facts §1.5).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from syncd.sandbox.http import Response

CHAOS_KINDS = ("5xx", "5xx_after", "reset", "reset_after", "slow_commit")


@dataclass(slots=True)
class Fault:
    """Fail ``times`` requests whose path contains ``path`` with ``status``.

    ``after_processing``: the work is done first, then the failure is answered (or the
    connection dropped, with ``drop``): the client cannot know the write landed.
    """

    path: str
    status: int
    times: int = 1
    after_processing: bool = False
    retry_after: float | None = None
    drop: bool = False
    #: Answer this body instead of the error array (a garbled or unexpected answer).
    body: object = None

    def response(self) -> Response:
        """The failure as Salesforce's error array (or a dropped connection)."""
        if self.body is not None:
            return Response(self.status, self.body)
        code = "SERVER_UNAVAILABLE" if self.status >= 500 else "REQUEST_LIMIT_EXCEEDED"
        body = [{"message": f"injected {self.status}", "errorCode": code, "fields": []}]
        headers = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
        return Response(self.status, body, headers, drop=self.drop)


class Faults:
    """Armed faults, taken in order by matching requests, and an optional chaos mode."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._rng = random.Random(0)
        self._probability = 0.0
        self._kinds: tuple[str, ...] = CHAOS_KINDS
        self.slow_seconds = 0.0
        self._paths: tuple[str, ...] = ("/services/data/",)
        self.drawn: dict[str, int] = {}

    def arm(self, fault: Fault) -> None:
        self._armed.append(fault)

    def chaos(
        self,
        probability: float,
        *,
        kinds: tuple[str, ...] = CHAOS_KINDS,
        slow_seconds: float = 2.0,
        seed: int = 0,
        paths: tuple[str, ...] = ("/services/data/",),
    ) -> None:
        """Fail a ``probability`` share of requests on ``paths`` with one of ``kinds``."""
        unknown = sorted(set(kinds) - set(CHAOS_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {CHAOS_KINDS}")
        self._probability, self._kinds = probability, kinds
        self._rng = random.Random(seed)
        self.slow_seconds = slow_seconds
        self._paths = paths

    def take(self, path: str) -> tuple[Fault | None, float]:
        """The fault for this request and how long to hold it before processing."""
        for fault in self._armed:
            if fault.path in path:
                fault.times -= 1
                if fault.times <= 0:
                    self._armed.remove(fault)
                return fault, 0.0
        if not any(p in path for p in self._paths) or self._rng.random() >= self._probability:
            return None, 0.0
        kind = self._rng.choice(self._kinds)
        self.drawn[kind] = self.drawn.get(kind, 0) + 1
        drawn = {
            "5xx": (Fault(path, self._rng.choice((500, 502, 503))), 0.0),
            "5xx_after": (Fault(path, 500, after_processing=True), 0.0),
            "reset": (Fault(path, 503, drop=True), 0.0),
            "reset_after": (Fault(path, 503, after_processing=True, drop=True), 0.0),
            "slow_commit": (None, self.slow_seconds),
        }
        return drawn[kind]


class Allowance:
    """The org's rolling 24-hour API request allowance: ``used`` of ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self) -> bool:
        """Count one request; False when the allowance was already spent (refuse it)."""
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def header(self) -> dict[str, str]:
        """``Sforce-Limit-Info`` for the answer."""
        return {"Sforce-Limit-Info": f"api-usage={self.used}/{self.limit}"}

    def resource(self) -> dict[str, dict[str, int]]:
        """The ``/limits`` resource's ``DailyApiRequests`` entry."""
        return {"DailyApiRequests": {"Max": self.limit, "Remaining": self.limit - self.used}}
