"""UTC time helpers; the store keeps integer milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds, the store's time format."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The UTC time of epoch milliseconds read from the store."""
    return datetime.fromtimestamp(ms / 1000, UTC)
