"""The sandbox's simulated week: when each answer arrives, and when its late comment follows.

The week runs Monday 00:00 to the next Monday 00:00 in the demo's time zone, and it is the last
full week before ``now``, so the simulated clock never gets ahead of the real one (a connector
that reads the wall clock only ever sees a later time). Answers come mostly on weekdays and in
office hours, as NPS answers to emailed surveys do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: Monday first; weekends get a fraction of a weekday's answers.
DAY_WEIGHTS = (1.0, 1.0, 0.95, 0.9, 0.8, 0.25, 0.2)
#: Hour of the day (local) 0..23: quiet at night, busiest in office hours.
HOUR_WEIGHTS = (
    (0.03,) * 6
    + (0.15, 0.4, 0.8)
    + (1.0,) * 3
    + (0.8, 0.8)
    + (1.0,) * 3
    + (0.7, 0.5, 0.4)
    + (0.3, 0.2, 0.1, 0.05)
)
#: How long after its score a late comment arrives, in minutes.
LATE_COMMENT_MINUTES = (2.0, 45.0)


@dataclass(frozen=True, slots=True)
class Week:
    """Seven local days, from Monday 00:00 to the next Monday 00:00 in ``tz``."""

    start: datetime  # UTC
    end: datetime  # UTC
    tz: ZoneInfo

    @classmethod
    def before(cls, now: datetime, tz: ZoneInfo) -> Week:
        """The last full week that ended at or before ``now``."""
        local = now.astimezone(tz)
        this_monday = local.date() - timedelta(days=local.weekday())
        return cls(_midnight(this_monday - timedelta(days=7), tz), _midnight(this_monday, tz), tz)

    def days(self) -> list[date]:
        """The week's local dates, Monday first."""
        first = self.start.astimezone(self.tz).date()
        return [first + timedelta(days=offset) for offset in range(7)]

    def day_of(self, moment: datetime) -> date:
        """The local date of ``moment``."""
        return moment.astimezone(self.tz).date()

    def midnight_after(self, day: date) -> datetime:
        """The UTC time at which the local ``day`` ends."""
        return _midnight(day + timedelta(days=1), self.tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def answer_times(week: Week, count: int, rng: random.Random) -> list[datetime]:
    """``count`` moments within ``week``, sorted, weighted by weekday and hour of day."""
    slots = [(day, hour) for day in week.days() for hour in range(24)]
    weights = [DAY_WEIGHTS[day.weekday()] * HOUR_WEIGHTS[hour] for day, hour in slots]
    times = []
    for day, hour in rng.choices(slots, weights=weights, k=count):
        at = datetime(day.year, day.month, day.day, hour, tzinfo=week.tz).astimezone(UTC)
        times.append(_whole_second(at + timedelta(seconds=rng.uniform(0, 3599))))
    return sorted(times)


def late_comment_time(answered: datetime, rng: random.Random) -> datetime:
    """When the comment of an answer given at ``answered`` arrives."""
    return _whole_second(answered + timedelta(minutes=rng.uniform(*LATE_COMMENT_MINUTES)))


def in_office(moment: datetime, tz: ZoneInfo, rng: random.Random, hours: Sequence[int]) -> datetime:
    """``moment`` if it falls in office hours (weekdays, local ``hours[0]``..``hours[1]``),
    else a while after the next office day begins: nobody works a queue at night."""
    local = moment.astimezone(tz)
    opens, closes = hours
    if local.weekday() < 5 and opens <= local.hour < closes:
        return _whole_second(moment)
    early = local.weekday() < 5 and local.hour < opens  # before the office opens today
    day = local.date() if early else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, opens, tzinfo=tz).astimezone(UTC)
    return _whole_second(start + timedelta(minutes=rng.uniform(0, 90)))


def _whole_second(moment: datetime) -> datetime:
    """Whole seconds: every vendor stores at least that precision."""
    return moment.replace(microsecond=0)
