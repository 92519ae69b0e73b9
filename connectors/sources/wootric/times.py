"""Wootric's timestamps, in the shapes it sends them, to aware UTC datetimes.

The REST API sends ``2024-06-01 10:22:11 -0700`` (local time with an offset) [singer-io/
tap-wootric tap_wootric/__init__.py]; webhooks send ISO 8601 with milliseconds and an offset
(``2016-08-04T13:57:26.558-07:00``) [docs.wootric.com/webhooks]; a third-party description says
Unix seconds. All three are read; the offset is always applied, never dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from syncd.edge.values import in_range, shown

REST_FORMAT = "%Y-%m-%d %H:%M:%S %z"


def wootric_time(value: object, field: str, now: datetime) -> datetime:
    """The moment ``value`` names, between 2000 and ``now`` plus a day's skew."""
    return in_range(_moment(value, field), field, value, now)


def second(value: object) -> int | None:
    """The Unix second ``value`` names, or None when it is no readable timestamp."""
    try:
        return int(_moment(value, "time").timestamp())
    except ValueError:
        return None


def rest_format(moment: datetime, offset_hours: int = -7) -> str:
    """``moment`` as the REST API writes it, in a zone ``offset_hours`` from UTC."""
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).strftime(REST_FORMAT)


def _moment(value: object, field: str) -> datetime:
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 13:
        seconds = int(value.strip())
    if seconds is not None:
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{field} {shown(value)} is not a timestamp") from None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{field} {shown(value)} is not a timestamp")
    text = value.strip()
    try:
        moment = datetime.strptime(text, REST_FORMAT)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{field} {shown(value)} is not a timestamp") from None
    if moment.tzinfo is None:
        # A time without an offset would be read in some unknown zone: refuse it.
        raise ValueError(f"{field} {shown(value)} has no UTC offset")
    return moment.astimezone(UTC)
