"""Business time: due dates that count working days, working hours and holidays in a time zone.

All arithmetic is done on UTC instants; local dates and opening times are only used to find the
working intervals, so a clock change (23- or 25-hour days) neither stretches nor shrinks the
working time that is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: A calendar with no working day within this many days is refused (config validation prevents
#: it; this only bounds the search).
_HORIZON_DAYS = 3660


@dataclass(frozen=True, slots=True)
class Calendar:
    """When a team works: ``workdays`` (Mon=0 .. Sun=6) minus ``holidays``, in ``tz``; between
    ``opens`` and ``closes`` local time, or all day when ``hours`` is None."""

    tz: ZoneInfo
    workdays: frozenset[int]
    holidays: frozenset[date]
    hours: tuple[time, time] | None = None

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (a local date) is a working day."""
        return day.weekday() in self.workdays and day not in self.holidays

    def add_days(self, start: datetime, days: float) -> datetime:
        """``start`` plus ``days`` working days.

        Without working hours, whole days keep the local time of day and skip non-working days;
        a fractional part adds that share of 24 working hours. With working hours, a start
        outside them counts from the next opening, and a day is one working day's length.
        """
        whole, fraction = int(days), days - int(days)
        if self.hours is None:
            local = start.astimezone(self.tz)
            moved = whole
            while moved > 0:
                local += timedelta(days=1)
                if self.is_workday(local.date()):
                    moved -= 1
            # Rebuilt from the wall time, so a clock change keeps the time of day.
            due = datetime.combine(local.date(), local.time(), self.tz)
            return self._back(self.add_hours(due.astimezone(UTC), fraction * 24), start)
        opens, closes = self.hours
        day_length = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
        hours = (whole + fraction) * day_length.total_seconds() / 3600
        return self._back(self.add_hours(start, hours), start)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of working time (a start outside it counts from the next
        opening)."""
        left = timedelta(hours=hours)
        at = start.astimezone(UTC)
        for opening, closing in self._intervals(at):
            at = max(at, opening)
            if at + left <= closing:
                return self._back(at + left, start)
            left -= closing - at
        raise ValueError("the calendar has no working time ahead")  # pragma: no cover

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two instants (zero when ``end`` is not after ``start``)."""
        total = timedelta()
        begin, finish = start.astimezone(UTC), end.astimezone(UTC)
        for opening, closing in self._intervals(begin):
            if opening >= finish:
                break
            total += max(timedelta(), min(closing, finish) - max(opening, begin))
        return total

    def _intervals(self, after: datetime) -> Iterator[tuple[datetime, datetime]]:
        # Working intervals as UTC instants, from the local day holding ``after`` onwards.
        day = after.astimezone(self.tz).date() - timedelta(days=1)
        for offset in range(_HORIZON_DAYS):
            current = day + timedelta(days=offset)
            if not self.is_workday(current):
                continue
            if self.hours is None:
                opening = datetime.combine(current, time(0), self.tz)
                closing = datetime.combine(current + timedelta(days=1), time(0), self.tz)
            else:
                opening = datetime.combine(current, self.hours[0], self.tz)
                closing = datetime.combine(current, self.hours[1], self.tz)
            opening_utc, closing_utc = opening.astimezone(UTC), closing.astimezone(UTC)
            if closing_utc > after:
                yield opening_utc, closing_utc

    @staticmethod
    def _back(instant: datetime, like: datetime) -> datetime:
        return instant.astimezone(like.tzinfo)
