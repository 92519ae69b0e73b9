"""Business time: working hours, per-team calendars, holidays and clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from syncd.business_time import Calendar
from syncd.routing import due_at, route
from syncd.routing_settings import RoutingSettings
from tests.unit.test_routing import answer, rule

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = (time(9), time(17))
WEEK = frozenset(range(5))


def office(tz: ZoneInfo = BERLIN, holidays: frozenset[date] = frozenset()) -> Calendar:
    return Calendar(tz, WEEK, holidays, OFFICE)


def local(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BERLIN)


def test_hours_run_to_closing_and_resume_at_the_next_opening() -> None:
    # Friday 15:00 + 4 working hours: 2 on Friday, 2 on Monday from 09:00.
    due = office().add_hours(local(2026, 11, 6, 15), 4)
    assert due == local(2026, 11, 9, 11)


def test_an_answer_at_night_counts_from_the_next_opening() -> None:
    assert office().add_hours(local(2026, 11, 3, 22), 1) == local(2026, 11, 4, 10)
    assert office().add_hours(local(2026, 11, 4, 6), 1) == local(2026, 11, 4, 10)


def test_one_day_with_working_hours_is_one_working_day_of_time() -> None:
    # Saturday: counts from Monday 09:00; one 8-hour day ends at Monday's closing.
    assert office().add_days(local(2026, 11, 7, 12), 1) == local(2026, 11, 9, 17)
    # Tuesday 13:00 + 12 working hours: 4 on Tuesday, 8 on Wednesday.
    assert office().add_days(local(2026, 11, 3, 13), 1.5) == local(2026, 11, 4, 17)


def test_holidays_are_skipped() -> None:
    calendar = office(holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    assert calendar.add_hours(local(2026, 12, 23, 16), 2) == local(2026, 12, 28, 10)


def test_working_hours_are_local_across_a_clock_change() -> None:
    # Summer time ends on Sunday 25 October 2026 in Berlin: Friday 16:00 CEST + 2 hours is
    # Monday 10:00 CET, one hour later in UTC terms than the same wall time a week before.
    due = office().add_hours(local(2026, 10, 23, 16), 2)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 26, 10)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_a_fraction_of_a_day_never_lands_on_a_weekend() -> None:
    whole_days = Calendar(ZoneInfo("UTC"), WEEK, frozenset())
    friday_noon = datetime(2026, 11, 6, 12, tzinfo=UTC)
    due = whole_days.add_days(friday_noon, 0.75)
    assert due == datetime(2026, 11, 9, 6, tzinfo=UTC)  # 12 h on Friday, 6 h on Monday


ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"])
STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(STARTS, st.floats(0.25, 60), ZONES, st.sets(st.integers(0, 6), min_size=1))
def test_the_working_time_to_a_due_time_is_what_was_added(
    start: datetime, hours: float, zone: str, days: set[int]
) -> None:
    calendar = Calendar(ZoneInfo(zone), frozenset(days), frozenset(), OFFICE)
    due = calendar.add_hours(start, hours)
    assert due > start
    worked = calendar.working_time(start, due)
    assert abs(worked - timedelta(hours=hours)) < timedelta(seconds=1)
    # A due time always lies within working hours on a working day, local time.
    at = due.astimezone(ZoneInfo(zone))
    assert at.weekday() in days and OFFICE[0] <= at.time() <= OFFICE[1]


def test_a_rule_counts_in_its_team_calendar_and_time_zone() -> None:
    routing = RoutingSettings.model_validate(
        {
            "rules": [
                {
                    "name": "apac",
                    "calendar": "sydney",
                    "owner": ["contact_owner"],
                    "due_business_hours": 4,
                }
            ],
            "calendars": {
                "sydney": {"timezone": "Australia/Sydney", "working_hours": ["09:00", "17:00"]}
            },
        }
    )
    # Monday 2 November 2026 09:00 UTC is 20:00 in Sydney: due Tuesday 13:00 Sydney time.
    task = route(answer(), routing, ZoneInfo("UTC")).task
    assert task is not None
    sydney = ZoneInfo("Australia/Sydney")
    assert task.due_at.astimezone(sydney).replace(tzinfo=None) == datetime(2026, 11, 3, 13)
    assert due_at(routing.rules[0], answer().submitted_at, routing, ZoneInfo("UTC")) == task.due_at


def test_the_default_calendar_can_have_working_hours() -> None:
    routing = RoutingSettings(
        rules=(rule(due_business_hours=2),), working_hours=(time(8), time(12))
    )
    task = route(answer(), routing, ZoneInfo("UTC")).task  # Monday 09:00 UTC
    assert task is not None and task.due_at == datetime(2026, 11, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        ({"rules": [{"name": "x", "team": "T", "calendar": "emea"}]}, "unknown calendar 'emea'"),
        ({"calendars": {"a": {"timezone": "Mars/Olympus"}}}, "unknown time zone"),
        ({"calendars": {"a": {"working_hours": ["17:00", "09:00"]}}}, "must be before"),
        ({"working_hours": ["10:00", "10:00"]}, "must be before"),
        ({"calendars": {"a": {"workdays": []}}}, "non-empty list"),
    ],
)
def test_calendar_mistakes_are_config_errors(routing: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RoutingSettings.model_validate(routing)
