"""Backfill sense: where an answer's SLA clock starts, and when it is too old for a task."""

from __future__ import annotations

from dataclasses import dataclass

from syncd.clock import to_ms
from syncd.model import SurveyResponse
from syncd.routing_settings import RoutingSettings

#: An answer first seen later than this after it was given is backfilled: its SLA clock starts
#: when syncd saw it, because nobody could follow up on an answer syncd had not seen.
BACKFILL_AFTER_MS = 24 * 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class SlaClock:
    """Where an answer's SLA clock starts, and whether it is too old for a task."""

    start_ms: int
    too_old: bool


def sla_clock(response: SurveyResponse, routing: RoutingSettings, seen_ms: int) -> SlaClock:
    """The answer's time, or ``seen_ms`` when syncd first sees it more than a day later.

    ``too_old``: older than ``[routing] max_task_age_days`` when seen. A later version of an
    answer is measured the same way (from the answer's time), so it stays too old.
    """
    answered = to_ms(response.submitted_at)
    age = seen_ms - answered
    limit = routing.max_task_age_days
    return SlaClock(
        start_ms=seen_ms if age > BACKFILL_AFTER_MS else answered,
        too_old=limit is not None and age > limit * DAY_MS,
    )
