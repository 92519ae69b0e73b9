"""``[routing.calendars.<name>]``: a team's working days, hours, holidays and time zone."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator

#: Monday to Friday.
WEEKDAYS = (0, 1, 2, 3, 4)


def known_timezone(value: str) -> str:
    """``value`` when it names an IANA time zone; else ValueError."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {value!r}") from error
    return value


def weekdays(value: tuple[int, ...]) -> tuple[int, ...]:
    """``value`` when it is a non-empty list of weekday numbers; else ValueError."""
    if not value or any(not 0 <= day <= 6 for day in value):
        raise ValueError("workdays must be a non-empty list of 0 (Monday) .. 6 (Sunday)")
    return value


def ordered_hours(value: tuple[time, time] | None) -> tuple[time, time] | None:
    """``value`` when it is a local opening time before a local closing time; else ValueError."""
    if value is not None:
        opens, closes = value
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("working_hours are local times: no offset (the timezone says it)")
        if not opens < closes:
            raise ValueError("working_hours: the opening time must be before the closing time")
    return value


class CalendarSettings(BaseModel):
    """When a team works. ``timezone`` defaults to ``[daemon] timezone``; without
    ``working_hours`` every hour of a working day counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str | None = None
    workdays: tuple[int, ...] = WEEKDAYS
    holidays: tuple[date, ...] = ()
    #: Local opening and closing time, e.g. ["09:00", "17:30"].
    working_hours: tuple[time, time] | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    _workdays = field_validator("workdays")(weekdays)
    _hours = field_validator("working_hours")(ordered_hours)
