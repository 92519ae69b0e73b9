"""Wootric's error bodies for the fake's failures (the fault modes are the sandbox's own)."""

from __future__ import annotations

from syncd.sandbox.faults import Chaos, Fault, retry_after_text
from syncd.sandbox.faults import Failures as SandboxFailures
from syncd.sandbox.http import Response

__all__ = ["Chaos", "Failures", "Fault", "error", "rate_limited"]


def error(status: int, message: str, **headers: str) -> Response:
    """An error as Wootric sends one: ``{"error": ..., "status": ...}`` (third-party:
    api-evangelist/wootric openapi/wootric-responses-api-openapi.yml)."""
    return Response(status, {"error": message, "status": status}, dict(headers))


def rate_limited(retry_after: float | None) -> Response:
    """A 429 with the ``X-Rate-Limit-*`` headers Wootric sends [singer-io/tap-wootric]."""
    headers = {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after_text(retry_after)
    return Response(429, {"error": "Too Many Requests", "status": 429}, headers)


class Failures(SandboxFailures):
    """Queued and random failures in Wootric's error bodies."""

    def __init__(self) -> None:
        super().__init__(error, rate_limited)
