"""Salesforce's date and dateTime wire formats (``2026-12-01T10:00:00.000+0000``)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """Now, in UTC, to the millisecond as Salesforce stores it."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def render(value: object) -> object:
    """A field value as the REST API writes it in JSON."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{value.microsecond // 1000:03d}+0000"
        )
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_datetime(text: str) -> datetime:
    """A dateTime as SOQL literals and REST bodies carry it; ``ValueError`` if it is not one."""
    cleaned = text.strip().replace("Z", "+00:00")
    if len(cleaned) >= 5 and cleaned[-5] in "+-" and cleaned[-3] != ":":
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"  # +0000 -> +00:00
    value = datetime.fromisoformat(cleaned)
    if value.tzinfo is None:
        raise ValueError(f"dateTime without a zone: {text!r}")
    return value.astimezone(UTC)
