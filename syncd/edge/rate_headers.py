"""The rate-limit headers vendors send with their answers, read once for every connector.

HubSpot sends ``X-HubSpot-RateLimit-Max``/``-Remaining`` with ``-Interval-Milliseconds`` for its
rolling burst window and ``-Daily``/``-Daily-Remaining`` for the account's daily allowance; other
vendors use the same shape under their own prefix. A header that is missing or unreadable is
``None``: no vendor promises every header on every answer (HubSpot's search sends none).
"""

from __future__ import annotations

from dataclasses import dataclass

from syncd.edge.retry_after import header


@dataclass(frozen=True, slots=True)
class RateHeaders:
    """What one answer said about the caller's allowance."""

    limit: int | None = None
    remaining: int | None = None
    interval_seconds: float | None = None
    daily_limit: int | None = None
    daily_remaining: int | None = None

    @classmethod
    def parse(cls, headers: object, prefix: str) -> RateHeaders:
        """Read ``{prefix}-Max``, ``-Remaining``, ``-Interval-Milliseconds``, ``-Daily`` and
        ``-Daily-Remaining`` from any header container."""

        def number(suffix: str) -> int | None:
            return _count(header(headers, f"{prefix}-{suffix}"))

        interval_ms = number("Interval-Milliseconds")
        return cls(
            limit=number("Max"),
            remaining=number("Remaining"),
            interval_seconds=None if interval_ms is None else interval_ms / 1000,
            daily_limit=number("Daily"),
            daily_remaining=number("Daily-Remaining"),
        )


def _count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 12 else None
