"""The demo's simulated week: when answers arrive and how the sandbox's CRM users work tasks."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.clock import SimulatedClock
from syncd.contracts import Crm
from syncd.model import Priority, TaskSpec
from syncd.sandbox.users import OFFICE_HOURS, CrmUsers
from syncd.sandbox.week import Week, answer_times, in_office, late_comment_time
from tests.contracts.adapters import crm_adapter, crm_kinds

BERLIN = ZoneInfo("Europe/Berlin")
#: A Tuesday, 1 December 2026, 17:38 UTC.
NOW = datetime(2026, 12, 1, 17, 38, tzinfo=UTC)


def test_the_week_is_the_last_full_one_monday_to_monday_local() -> None:
    week = Week.before(NOW, BERLIN)
    assert week.start.astimezone(BERLIN) == datetime(2026, 11, 23, tzinfo=BERLIN)
    assert week.end.astimezone(BERLIN) == datetime(2026, 11, 30, tzinfo=BERLIN)
    assert week.end <= NOW  # the simulated clock never gets ahead of the real one
    assert [day.weekday() for day in week.days()] == list(range(7))


def test_a_monday_at_midnight_simulates_the_week_just_ended() -> None:
    monday = datetime(2026, 11, 30, tzinfo=BERLIN)
    week = Week.before(monday, BERLIN)
    assert week.end == monday.astimezone(UTC)


def test_a_week_across_the_clock_change_still_has_seven_local_days() -> None:
    week = Week.before(datetime(2026, 10, 27, 12, tzinfo=UTC), BERLIN)  # DST ended 25 Oct
    assert week.end - week.start == timedelta(days=7, hours=1)
    assert week.midnight_after(week.days()[-1]) == week.end


def test_answers_fall_within_the_week_busiest_on_weekdays_in_office_hours() -> None:
    week = Week.before(NOW, BERLIN)
    times = answer_times(week, 2000, random.Random(1))
    assert times == sorted(times)
    assert all(week.start <= at < week.end for at in times)
    assert all(at.microsecond == 0 for at in times)
    days = Counter(week.day_of(at).weekday() for at in times)
    assert min(days[d] for d in range(5)) > 2 * max(days[5], days[6]) > 0
    hours = Counter(at.astimezone(BERLIN).hour for at in times)
    assert sum(hours[h] for h in range(9, 17)) > 3 * sum(hours[h] for h in range(0, 8))


def test_answers_are_the_same_for_the_same_seed() -> None:
    week = Week.before(NOW, BERLIN)
    assert answer_times(week, 50, random.Random(3)) == answer_times(week, 50, random.Random(3))


def test_a_late_comment_follows_its_answer_within_the_hour() -> None:
    at = datetime(2026, 11, 24, 10, tzinfo=UTC)
    later = late_comment_time(at, random.Random(2))
    assert at < later <= at + timedelta(minutes=45)


@pytest.mark.parametrize(
    ("local", "expected_day"),
    [
        (datetime(2026, 11, 24, 22, 0), 25),  # Tuesday night: Wednesday morning
        (datetime(2026, 11, 25, 6, 30), 25),  # Wednesday before the office opens: that morning
        (datetime(2026, 11, 27, 19, 0), 30),  # Friday evening: Monday
        (datetime(2026, 11, 28, 12, 0), 30),  # Saturday: Monday
    ],
)
def test_work_outside_office_hours_waits_for_the_next_office_day(
    local: datetime, expected_day: int
) -> None:
    moved = in_office(local.replace(tzinfo=BERLIN), BERLIN, random.Random(0), OFFICE_HOURS)
    there = moved.astimezone(BERLIN)
    assert there.day == expected_day
    assert OFFICE_HOURS[0] <= there.hour < OFFICE_HOURS[0] + 2


def test_work_in_office_hours_happens_when_due() -> None:
    moment = datetime(2026, 11, 24, 11, 15, 30, tzinfo=BERLIN)
    assert in_office(moment, BERLIN, random.Random(0), OFFICE_HOURS) == moment


@pytest.mark.parametrize("kind", crm_kinds())
def test_users_work_every_task_in_time_order_in_office_hours(kind: str) -> None:
    clock = SimulatedClock(datetime(2026, 11, 23, 8, tzinfo=UTC))
    with crm_adapter(kind) as kit:
        owner = kit.fake.add_owner("ann@acme.example", "Ann", "Lee")
        contact = kit.fake.add_contact("c@client.example", owner_id=owner)
        users = CrmUsers(kit.fake, BERLIN, random.Random(5))
        assert users.notice(clock()) == 0
        _create_tasks(kit.crm(), contact, owner, 60)
        assert users.notice(clock()) == 60
        assert users.notice(clock()) == 0  # each task is planned once

        done_at = []
        while (due := users.next_due()) is not None:
            clock.advance_to(due)
            work = users.pop_due(clock())
            assert work is not None
            assert work.at.astimezone(BERLIN).weekday() < 5
            users.do(work)
            done_at.append(work.at)
        states = Counter(task["id"] for task in kit.fake.tasks())

    assert len(states) == 60
    assert done_at == sorted(done_at)
    assert users.pop_due(clock() + timedelta(days=30)) is None
    assert users.done["complete"] > users.done["untouched"] > 0
    assert users.done["start"] + users.done["untouched"] == 60
    assert users.done["reopen"] > 0 and users.done["reassign"] > 0


def _create_tasks(crm: Crm, contact: str, owner: str, count: int) -> None:
    """Tasks as syncd creates them, through the CRM's connector."""
    specs = [
        TaskSpec(
            key=f"t{n}",
            contact_id=contact,
            owner_id=owner,
            subject=f"Follow up {n}",
            body="Customer answered 3.",
            priority=Priority.HIGH,
            due_at=datetime(2026, 11, 25, tzinfo=UTC),
        )
        for n in range(count)
    ]
    try:
        for first in range(0, count, crm.batch_limit):
            crm.create_tasks(specs[first : first + crm.batch_limit])
    finally:
        crm.close()
