"""AskNicely's error bodies for the fake's failures (the fault modes are the sandbox's own)."""

from __future__ import annotations

from syncd.sandbox.faults import Chaos, Fault, retry_after_text
from syncd.sandbox.faults import Failures as SandboxFailures
from syncd.sandbox.http import Response

__all__ = ["Chaos", "Failures", "Fault", "error", "rate_limited"]


def error(status: int, message: str, **headers: str) -> Response:
    """An error as AskNicely sends one: ``{"success": false, "msg": ...}`` [apidocs/auth]."""
    return Response(status, {"success": False, "msg": message}, dict(headers))


def rate_limited(retry_after: float | None) -> Response:
    """The documented 429 body [asknicely.asknice.ly/help/apidocs/auth]."""
    headers = {} if retry_after is None else {"Retry-After": retry_after_text(retry_after)}
    body = {
        "success": False,
        "msg": "Rate limit hit",
        "type": "req-10s",
        "count": 201,
        "limit": 200,
    }
    return Response(429, body, headers)


class Failures(SandboxFailures):
    """Queued and random failures in AskNicely's error bodies."""

    def __init__(self) -> None:
        super().__init__(error, rate_limited)
