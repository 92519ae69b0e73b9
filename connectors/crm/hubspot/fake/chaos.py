"""Chaos mode: a seeded share of requests fails in one of the ways HubSpot (or the network) does.

Each drawn request gets one fault kind; the kinds come in shuffled rounds, so every enabled kind
is met once per round:

- ``429_retry_after`` / ``429_bare``: the ten-secondly rate-limit body, with and without a
  ``Retry-After`` header; ``429_secondly``: the SECONDLY body (HubSpot's second 429 shape).
- ``5xx``: 500, 502, 503 or 504, before the work is done; ``5xx_after``: the work is done, the
  answer is a 500 (the outcome-unknown case).
- ``reset``: the connection drops before the work; ``reset_after``: after it.
- ``timeout``: the request hangs beyond the client's timeout and is then answered with a 504,
  nothing done.
- ``slow_commit``: the request hangs beyond the client's timeout and the write then lands, after
  the client gave up (and possibly after its retry).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.crm.hubspot.fake.errors import rate_limit_body
from connectors.crm.hubspot.fake.limits import SECONDLY, Fault
from syncd.sandbox.http import Response

KINDS: tuple[str, ...] = (
    "429_retry_after",
    "429_bare",
    "429_secondly",
    "5xx",
    "5xx_after",
    "reset",
    "reset_after",
    "timeout",
    "slow_commit",
)
_SERVER_ERRORS = (500, 502, 503, 504)


class _SecondlyFault(Fault):
    """A 429 with the SECONDLY policy body, whatever the path's own policy is."""

    __slots__ = ()

    def response(self, policy: str, *, named: bool = True) -> Response:
        """HubSpot's per-second 429 body (with ``policyName`` unless ``named`` is False)."""
        body = rate_limit_body(SECONDLY)
        if not named:
            body.pop("policyName", None)
        return Response(429, body, {}, drop=False)


@dataclass(frozen=True, slots=True)
class Draw:
    """What chaos does to one request: hold it ``delay`` seconds, then answer with ``fault``."""

    kind: str
    delay: float
    fault: Fault | None


class ChaosMode:
    """Draws a fault for a ``probability`` share of requests on ``paths``, reproducibly by seed."""

    def __init__(
        self,
        probability: float,
        *,
        kinds: Sequence[str] = KINDS,
        hang_seconds: float = 2.0,
        retry_after: float = 1.0,
        paths: Sequence[str] = ("/crm/v3/objects/",),
        seed: int = 0,
    ) -> None:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown or not kinds:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {', '.join(KINDS)}")
        self._probability = probability
        self._kinds = tuple(kinds)
        self._hang = hang_seconds
        self._retry_after = retry_after
        self._paths = tuple(paths)
        self._rng = random.Random(seed)
        self._cycle: list[str] = []
        #: How many requests each kind hit, for the report.
        self.counts: Counter[str] = Counter()

    def draw(self, path: str) -> Draw | None:
        """The fault for the request on ``path``, or None to serve it normally."""
        if not any(fragment in path for fragment in self._paths):
            return None
        if self._rng.random() >= self._probability:
            return None
        if not self._cycle:  # every kind once per cycle, so a short run still meets them all
            self._cycle = self._rng.sample(self._kinds, len(self._kinds))
        kind = self._cycle.pop()
        self.counts[kind] += 1
        return self._build(kind)

    def _build(self, kind: str) -> Draw:
        status = self._rng.choice(_SERVER_ERRORS)
        faults: dict[str, tuple[float, Fault | None]] = {
            "429_retry_after": (0.0, _fault(429, retry_after=self._retry_after)),
            "429_bare": (0.0, _fault(429)),
            "429_secondly": (0.0, _SecondlyFault("", 429, 1, False, None, False)),
            "5xx": (0.0, _fault(status)),
            "5xx_after": (0.0, _fault(500, after_processing=True)),
            "reset": (0.0, _fault(503, drop=True)),
            "reset_after": (0.0, _fault(503, after_processing=True, drop=True)),
            "timeout": (self._hang, _fault(504)),
            "slow_commit": (self._hang, None),
        }
        delay, fault = faults[kind]
        return Draw(kind, delay, fault)


def _fault(
    status: int,
    *,
    retry_after: float | None = None,
    after_processing: bool = False,
    drop: bool = False,
) -> Fault:
    return Fault("", status, 1, after_processing, retry_after, drop)
