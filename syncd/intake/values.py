"""Single values from records of unknown origin: a clean value, or ``ValueError`` with a reason.

Reasons name the field and the offending value, cut short ("score 14 is outside 0-10"), so an
admin reading the quarantine knows what to fix.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from syncd.edge.values import in_range, shown

#: Unix times above this are milliseconds (10**11 seconds is the year 5138).
_MS_THRESHOLD = 10**11


def score(value: object, field: str) -> int:
    """A 0-10 integer; numbers sent as text ("9") and integral floats (9.0) are taken."""
    number: object = value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,2}(\.0+)?\s*", value):
        number = float(value)
    if isinstance(number, float) and math.isfinite(number) and number.is_integer():
        number = int(number)
    if value is None:
        raise ValueError(f"{field} (the score) is missing")
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError(f"{field} {shown(value)} is not a whole number")
    if not 0 <= number <= 10:
        raise ValueError(f"{field} {number} is outside 0-10")
    return number


def moment(value: object, field: str, now: datetime) -> datetime:
    """ISO 8601 text or Unix seconds (milliseconds when huge), in UTC, between 2000 and now."""
    if value is None or value == "":
        raise ValueError(f"{field} (a time) is missing")
    parsed = _unix(value) if not isinstance(value, str) or _is_number(value) else _iso(value)
    if parsed is None:
        raise ValueError(f"{field} {shown(value)} is neither an ISO 8601 time nor Unix seconds")
    return in_range(parsed, field, value, now)


def _is_number(text: str) -> bool:
    return re.fullmatch(r"\s*\d{1,16}(\.\d+)?\s*", text) is not None


def _unix(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
        if seconds > _MS_THRESHOLD:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    # A time without an offset is taken as UTC: exports commonly write UTC without saying so.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
