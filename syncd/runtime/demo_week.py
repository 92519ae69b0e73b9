"""The demo's simulated week: answers arrive over time and the daemon passes at its interval.

The simulated clock is installed in ``syncd.clock`` and handed to the fakes, so the daemon, the
survey tool and the CRM agree on the time. The week is played in steps: first the survey answers
and the CRM users' work that fall within a step happen, each at its own time, then the daemon
makes one pass at the step's end. Time to task is thus what syncd takes (at most
one step plus a pass), not the age of a backfill.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from syncd.clock import SimulatedClock, to_ms
from syncd.report import build_report
from syncd.runtime.daemon import Daemon, PassSummary
from syncd.sandbox.fakes import CrmFake, SourceFake
from syncd.sandbox.users import CrmUsers
from syncd.sandbox.week import Week, answer_times, late_comment_time
from syncd.sandbox.world import COMMENTS, Answer, World, publish, seed_malformed
from syncd.store.schema import loops

Say = Callable[[str], None]

#: Simulated time between two daemon passes. Coarser than a deployment's interval (seconds to a
#: minute) so that a week is 672 passes and runs in seconds; time to task scales with it.
STEP = timedelta(minutes=15)
#: When, on the week's first day, the malformed answers arrive (local hour).
MALFORMED_HOUR = 10


@dataclass(slots=True)
class Day:
    """What happened on one simulated day, as syncd's store sees it at midnight."""

    day: date
    answers: int = 0
    tasks: int = 0
    closed: int = 0
    overdue: int = 0
    open: int = 0

    def line(self) -> str:
        """The day in one line of the narration."""
        return (
            f"   {self.day:%a %d %b}: {self.answers:3d} answers, {self.tasks:3d} tasks created, "
            f"{self.closed:3d} closed, {self.open:3d} open ({self.overdue} overdue)"
        )


@dataclass(slots=True)
class Totals:
    """The whole week, for the narration's closing lines and the tests."""

    passes: int = 0
    fetched: int = 0
    contacts_updated: int = 0
    tasks_created: int = 0
    tracked: int = 0
    #: Loop-closed times written onto contacts (set when a follow-up closed, cleared on reopen).
    loops_marked: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    #: For every task: from the customer's answer to the task in the CRM, in ms, sorted.
    answer_to_task_ms: list[int] = field(default_factory=list)


@dataclass(order=True, slots=True)
class _Arrival:
    at: datetime
    order: int
    publish: Callable[[], None] = field(compare=False)


def run_week(
    daemon: Daemon,
    source: SourceFake,
    crm: CrmFake,
    clock: SimulatedClock,
    week: Week,
    world: World,
    answers: list[Answer],
    say: Say,
    *,
    step: timedelta = STEP,
) -> Totals:
    """Simulate ``week`` with ``clock`` (at the week's start), one pass per ``step``, narrating
    one line per day."""
    rng = random.Random(11)
    arrivals = _arrivals(source, world, answers, week, rng)
    users = CrmUsers(crm, week.tz, rng)
    totals = Totals()
    days = {day: Day(day) for day in week.days()}
    for arrival in arrivals:
        if arrival.order >= 0:  # comments and the malformed answers carry a negative order
            days[week.day_of(arrival.at)].answers += 1
    timeline = _Timeline(arrivals, users, clock)
    open_days = week.days()
    step_end = week.start
    while step_end < week.end:
        step_end = min(step_end + step, week.end)
        timeline.play_until(step_end)
        clock.advance_to(step_end)
        summary = daemon.run_once()
        _count(summary, totals, days[open_days[0]])
        if summary.deliver.tasks_created:
            users.notice(step_end)
        while open_days and week.midnight_after(open_days[0]) <= step_end:
            day = days[open_days.pop(0)]
            _close_day(daemon, day, week, step_end)
            totals.days.append(day)
            say(day.line())
    _users_line(users, say)
    totals.answer_to_task_ms = answer_to_task_ms(daemon)
    return totals


class _Timeline:
    """Survey arrivals and the users' work, played in time order, each at its own moment."""

    def __init__(self, arrivals: list[_Arrival], users: CrmUsers, clock: SimulatedClock) -> None:
        self._pending = iter(arrivals)
        self._upcoming = next(self._pending, None)
        self._users = users
        self._clock = clock

    def play_until(self, until: datetime) -> None:
        """Everything due at or before ``until``, the clock set to each one's time."""
        while True:
            upcoming, work_at = self._upcoming, self._users.next_due()
            first = upcoming is not None and (work_at is None or upcoming.at <= work_at)
            if upcoming is not None and first and upcoming.at <= until:
                self._clock.advance_to(upcoming.at)
                upcoming.publish()
                self._upcoming = next(self._pending, None)
                continue
            work = self._users.pop_due(until)
            if work is None:
                return
            self._clock.advance_to(work.at)
            self._users.do(work)


def answer_to_task_ms(daemon: Daemon) -> list[int]:
    """From each answer to its task, as the store records both (wait for the pass included)."""
    waited = (loops.c.task_created_ms - loops.c.response_ms).label("waited")
    query = select(waited).where(loops.c.task_created_ms.is_not(None)).order_by(waited)
    with daemon.engine.connect() as conn:
        return [int(row.waited) for row in conn.execute(query)]


def _arrivals(
    source: SourceFake, world: World, answers: list[Answer], week: Week, rng: random.Random
) -> list[_Arrival]:
    """Every survey event of the week, sorted: answers, their late comments, malformed ones.

    Answers carry their index as ``order`` (the day counts use it); comments and the malformed
    answers a negative one.
    """
    events: list[_Arrival] = []
    for answer, at in zip(answers, answer_times(week, len(answers), rng), strict=True):
        ids: list[str] = []
        events.append(_Arrival(at, answer.index, _answer(source, world, answer, at, ids)))
        if answer.late:
            comment = rng.choice(sum(COMMENTS.values(), ()))
            later = late_comment_time(at, rng)
            events.append(_Arrival(later, -2 - answer.index, _comment(source, ids, comment, later)))
    first_day = week.start + timedelta(hours=MALFORMED_HOUR)
    events.append(_Arrival(first_day, -1, lambda: seed_malformed(source, world, first_day)))
    return sorted(events)


def _answer(
    source: SourceFake, world: World, answer: Answer, at: datetime, ids: list[str]
) -> Callable[[], None]:
    return lambda: ids.append(publish(source, world, answer, at))


def _comment(source: SourceFake, ids: list[str], comment: str, at: datetime) -> Callable[[], None]:
    # Its answer arrived earlier (``ids`` holds the id it got), as Delighted sends a comment.
    return lambda: source.update_response(ids[0], comment=comment, at=at)


def _count(summary: PassSummary, totals: Totals, day: Day) -> None:
    totals.passes += 1
    totals.fetched += sum(poll.fetched for poll in summary.polls)
    totals.quarantined += sum(poll.rejected for poll in summary.polls)
    totals.contacts_updated += summary.deliver.contacts_updated
    totals.tasks_created += summary.deliver.tasks_created
    totals.tracked += summary.track.matched
    totals.loops_marked += summary.deliver.loops_marked
    totals.errors.extend(summary.errors)
    day.tasks += summary.deliver.tasks_created


def _close_day(daemon: Daemon, day: Day, week: Week, now: datetime) -> None:
    """The store's view at the day's end: loops closed that day, open and overdue ones."""
    start_ms = to_ms(week.midnight_after(day.day - timedelta(days=1)))
    end_ms = to_ms(week.midnight_after(day.day))
    closed_today = select(func.count()).where(
        loops.c.closed_ms >= start_ms, loops.c.closed_ms < end_ms
    )
    with daemon.engine.connect() as conn:
        overall = build_report(conn, now=now).overall
        day.closed = int(conn.execute(closed_today).scalar_one())
    day.open = overall.open
    day.overdue = overall.overdue


def _users_line(users: CrmUsers, say: Say) -> None:
    done = users.done
    say(
        f"   CRM users over the week: {done['start']} tasks started, {done['complete']} "
        f"completed, {done['reopen']} reopened, {done['reassign']} handed to a colleague, "
        f"{done['untouched']} never touched"
    )
