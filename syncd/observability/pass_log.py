"""One summary line per stage per pass: counts, seconds and CRM calls, named for the stage."""

from __future__ import annotations

import structlog

from syncd.observability.stage_clock import StageCost
from syncd.pipeline.deliver.context import DeliverResult
from syncd.pipeline.plan import PlanResult
from syncd.pipeline.poll import PollResult
from syncd.pipeline.track import TrackResult

log = structlog.get_logger("syncd.pass")


def _timing(cost: StageCost, *, calls: bool = True) -> dict[str, object]:
    timing: dict[str, object] = {"seconds": round(cost.seconds, 3)}
    if calls:
        timing["crm_calls"] = cost.crm_calls
    return timing


def log_poll(result: PollResult, seconds: float) -> None:
    """The poll of one source."""
    log.info(
        "polled",
        source=result.source,
        fetched=result.fetched,
        stored=result.stored,
        quarantined=result.rejected,
        skipped=result.skipped,
        pages=result.pages,
        cut_short=result.cut_short,
        seconds=round(seconds, 3),
    )


def log_plan(result: PlanResult, cost: StageCost) -> None:
    """The plan stage of a pass, all slices together."""
    log.info(
        "planned",
        planned=result.planned,
        tasks=result.tasks,
        task_updates=result.task_updates,
        quarantined=result.unmatchable,
        **_timing(cost, calls=False),
    )


def log_deliver(crm: str, result: DeliverResult, cost: StageCost) -> None:
    """The deliver stage of a pass, all slices together."""
    log.info(
        "delivered",
        crm=crm,
        contacts_updated=result.contacts_updated,
        contacts_unchanged=result.contacts_unchanged,
        tasks_created=result.tasks_created,
        tasks_updated=result.tasks_updated,
        loops_marked=result.loops_marked,
        retried=result.retried,
        dead_lettered=result.dead,
        quarantined=result.quarantined,
        held=result.held,
        **_timing(cost),
    )


def log_track(crm: str, result: TrackResult, cost: StageCost) -> None:
    """The track stage of a pass."""
    log.info(
        "tracked",
        crm=crm,
        changes=result.seen,
        matched=result.matched,
        closed=len(result.closed),
        marks_queued=result.marks,
        **_timing(cost),
    )
