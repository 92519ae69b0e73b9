"""Instants as HubSpot writes and reads them.

HubSpot accepts a datetime as epoch milliseconds or ISO-8601 and always answers with ISO-8601 in
UTC with milliseconds and a ``Z`` (``2026-11-24T10:00:00.000Z``), whatever form it was sent in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_MS = re.compile(r"-?\d+")


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC, so that tests may pass either kind."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    # isoformat, not strftime: a third of the fake's CPU went to strftime under load. For a UTC
    # instant its first 23 characters are the date, time and milliseconds, the year in 4 digits.
    return as_utc(moment).isoformat(timespec="milliseconds")[:23] + "Z"


def epoch_ms(moment: datetime) -> int:
    return (as_utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def parse_instant(value: str) -> datetime | None:
    """Epoch milliseconds or ISO-8601 (date-only means midnight UTC); ``None`` if neither."""
    text = value.strip()
    if _EPOCH_MS.fullmatch(text):
        return _EPOCH + timedelta(milliseconds=int(text))
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        return None
