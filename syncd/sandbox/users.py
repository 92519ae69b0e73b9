"""The sandbox CRM's users working syncd's tasks over the simulated week.

Each task syncd creates gets a fate when a user first sees it in their queue: most are started
within hours and completed within a day or two, some are handed to a colleague, a few are
reopened after completion (the customer was not satisfied), some are started and left, and some
are never touched and go overdue. Users work in office hours only. Every change goes through the
``CrmFake`` protocol, so the fake stamps it with the simulated clock, as the CRM would.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from syncd.sandbox.fakes import CrmFake
from syncd.sandbox.week import in_office

#: Local office hours, start and end: when the sandbox's CRM users work.
OFFICE_HOURS = (8, 18)
#: Shares of tasks left untouched, and started but never finished.
IGNORED, ABANDONED = 0.08, 0.07
#: Shares of worked tasks handed to a colleague first, and reopened after completion.
HANDED_ON, REOPENED = 0.08, 0.1


@dataclass(order=True, slots=True)
class Work:
    """One thing a user does to a task, at a time."""

    at: datetime
    order: int
    task_id: str = field(compare=False)
    action: str = field(compare=False)  # start, complete, reopen, reassign


class CrmUsers:
    """Notices syncd's new tasks, decides what users will do to them, and does it when due."""

    def __init__(self, crm: CrmFake, tz: ZoneInfo, rng: random.Random) -> None:
        self._crm = crm
        self._tz = tz
        self._rng = rng
        self._seen: set[str] = set()
        self._queue: list[Work] = []
        self._order = itertools.count()
        self._owners = [owner["id"] for owner in crm.owners()]
        #: What was done so far, by action; ``untouched`` counts tasks nobody will work.
        self.done: Counter[str] = Counter()

    def notice(self, now: datetime) -> int:
        """Plan the work on every task that appeared since the last look; returns how many."""
        new = [task["id"] for task in self._crm.tasks() if task["id"] not in self._seen]
        for task_id in new:
            self._seen.add(task_id)
            self._plan(task_id, now)
        return len(new)

    def next_due(self) -> datetime | None:
        """When the next piece of work is due, if any is planned."""
        return self._queue[0].at if self._queue else None

    def pop_due(self, until: datetime) -> Work | None:
        """The earliest work due at or before ``until``, taken off the queue."""
        if self._queue and self._queue[0].at <= until:
            return heapq.heappop(self._queue)
        return None

    def do(self, work: Work) -> None:
        """Carry ``work`` out in the CRM (at the clock's current time)."""
        if work.action == "start":
            self._crm.start_task(work.task_id)
        elif work.action == "complete":
            self._crm.complete_task(work.task_id)
        elif work.action == "reopen":
            self._crm.reopen_task(work.task_id)
        else:
            self._crm.reassign_task(work.task_id, self._rng.choice(self._owners))
        self.done[work.action] += 1

    def _plan(self, task_id: str, created: datetime) -> None:
        rng = self._rng
        roll = rng.random()
        if roll < IGNORED:
            self.done["untouched"] += 1
            return
        started = self._after(created, rng.uniform(0.25, 6))
        self._add(started, task_id, "start")
        if roll < IGNORED + ABANDONED:
            return
        worked_from = started
        if rng.random() < HANDED_ON:
            worked_from = self._after(started, rng.uniform(0.5, 3))
            self._add(worked_from, task_id, "reassign")
        completed = self._after(worked_from, rng.uniform(1, 30))
        self._add(completed, task_id, "complete")
        if rng.random() < REOPENED:
            reopened = self._after(completed, rng.uniform(2, 24))
            self._add(reopened, task_id, "reopen")
            if rng.random() < 0.5:
                self._add(self._after(reopened, rng.uniform(2, 24)), task_id, "complete")

    def _after(self, moment: datetime, hours: float) -> datetime:
        return in_office(moment + timedelta(hours=hours), self._tz, self._rng, OFFICE_HOURS)

    def _add(self, at: datetime, task_id: str, action: str) -> None:
        heapq.heappush(self._queue, Work(at, next(self._order), task_id, action))
