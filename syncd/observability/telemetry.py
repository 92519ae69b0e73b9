"""What the daemon loop reports as it runs, turned into vitals, metrics and summary lines.

The loop calls ``pass_started``, ``stage_started``/``stage_ended`` around each guarded stage,
``polled``/``tracked`` when a stage really reached its vendor (a replica without the lease does
not), ``delivered`` after each round of deliver batches, and ``pass_ended`` with the pass's
results. Nothing here raises into the loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.edge.traffic import Traffic
from syncd.errors import Blocking, CrmRateLimited
from syncd.model import ResponseKey
from syncd.observability import pass_log
from syncd.observability.allowance import Allowance
from syncd.observability.metrics import DaemonMetrics
from syncd.observability.stage_clock import StageClock
from syncd.observability.store_views import loop_times
from syncd.observability.vitals import Vitals
from syncd.pipeline.deliver.context import DeliverResult
from syncd.pipeline.plan import PlanResult
from syncd.pipeline.poll import PollResult
from syncd.pipeline.track import TrackResult

log = structlog.get_logger(__name__)

#: The vitals entry of the CRM, and of the deliver stage alone (last successful delivery).
CRM = "crm"
DELIVER = "deliver"


def source_reach(source: str) -> str:
    """The vitals entry of a source."""
    return f"source:{source}"


class Telemetry:
    """One daemon's vitals, metrics and per-pass summaries."""

    def __init__(self, crm: str, clock: Callable[[], float] = time.time) -> None:
        self.crm = crm
        self.vitals = Vitals(clock)
        self.metrics = DaemonMetrics(crm)
        self.allowance = Allowance()
        self.stages = StageClock()
        self._failed: set[str] = set()

    def watch(self, traffic: Traffic) -> None:
        """Count, classify and read the allowance of every answer the CRM gives."""
        traffic.subscribe(self.metrics.observe_exchange)
        traffic.subscribe(self.allowance.observe)
        traffic.subscribe(self.stages.count)

    def pass_started(self) -> None:
        """A pass begins."""
        self.vitals.pass_started()
        self.metrics.passes.inc()
        self.stages.reset()
        self._failed.clear()

    def stage_started(self, stage: str) -> None:
        """A guarded stage (``poll <source>``, plan, deliver, track) begins a slice."""
        self.vitals.beat()
        self.stages.start(stage)

    def stage_ended(self, stage: str, error: Exception | None) -> None:
        """The slice ended; a failure marks what it reaches as failing until it next succeeds."""
        self.vitals.beat()
        self.stages.stop(stage)
        reach = _reach_of(stage)
        if error is None:
            if reach == DELIVER and DELIVER not in self._failed:
                self.vitals.reached(DELIVER)
                self.vitals.reached(CRM)
            return
        self._failed.add(reach)
        self.metrics.stage_failures.labels(stage.replace(" ", ":")).inc()
        text = str(error) or type(error).__name__
        if reach in (DELIVER, "track"):
            self.vitals.failed(CRM, text, paused=_paused(error))
        if reach != "track":
            self.vitals.failed(reach, text)

    def polled(self, result: PollResult, seconds: float) -> None:
        """A source was read (this replica held its lease)."""
        self.vitals.reached(source_reach(result.source))
        m = self.metrics
        m.polled.labels(result.source).inc(result.fetched)
        m.skipped.labels(result.source).inc(result.skipped)
        m.quarantined.labels(result.source, "poll").inc(result.rejected)
        pass_log.log_poll(result, seconds)

    def tracked(self) -> None:
        """The CRM's task changes were read (this replica held the lease)."""
        if "track" not in self._failed:
            self.vitals.reached(CRM)

    def delivered(self, engine: Engine, result: DeliverResult) -> None:
        """A round of deliver batches ended: observe the time to task of the tasks created
        since the last call, and let go of them.

        Per round, not per pass: a backfill's single pass creates a task per answer, and holding
        them all to the pass's end grew the process with the backfill (by 36 MB at its end
        alone at 100,000 answers).
        """
        self._loop_times(engine, result.created, [])
        result.created.clear()

    def pass_ended(
        self,
        engine: Engine,
        plan: PlanResult,
        deliver: DeliverResult,
        track: TrackResult | None,
    ) -> None:
        """Count the pass's outcomes and log one line per stage; ``track`` None when off."""
        m, crm = self.metrics, self.crm
        m.count_by_source(m.planned, plan.planned_by_source)
        m.count_by_source(m.quarantined, plan.unmatchable_by_source, "plan")
        m.contacts_updated.labels(crm).inc(deliver.contacts_updated)
        m.tasks_created.labels(crm).inc(deliver.tasks_created)
        m.tasks_updated.labels(crm).inc(deliver.tasks_updated)
        m.loops_marked.labels(crm).inc(deliver.loops_marked)
        for outcome, count in (
            ("retry", deliver.retried),
            ("dead_letter", deliver.dead),
            ("quarantined", deliver.quarantined),
            ("held", deliver.held),
        ):
            m.setbacks.labels(crm, outcome).inc(count)
        self._loop_times(engine, deliver.created, track.closed if track else [])
        # A stage that failed said so in its own line; its counts would only mislead.
        if "plan" not in self._failed:
            pass_log.log_plan(plan, self.stages.cost("plan"))
        if DELIVER not in self._failed:
            pass_log.log_deliver(crm, deliver, self.stages.cost("deliver"))
        if track is not None and "track" not in self._failed:
            pass_log.log_track(crm, track, self.stages.cost("track"))

    def _loop_times(
        self, engine: Engine, created: Sequence[ResponseKey], closed: Sequence[ResponseKey]
    ) -> None:
        m = self.metrics
        m.loops_closed.labels(self.crm).inc(len(closed))
        if not created and not closed:
            return
        try:
            with engine.connect() as conn:
                times = loop_times(conn, [*created, *closed])
        except SQLAlchemyError as error:
            log.warning("loop times not read; histograms skip this pass", error=str(error))
            return
        to_task = [times[k] for k in created if k in times]
        m.observe_seconds(
            m.time_to_task,
            [(t.task_created_ms - t.response_ms) / 1000 for t in to_task if t.task_created_ms],
        )
        done = [times[k] for k in closed if k in times and times[k].closed_ms is not None]
        m.observe_seconds(
            m.time_to_close, [(t.closed_ms or 0) / 1000 - t.response_ms / 1000 for t in done]
        )
        late = sum(1 for t in done if t.due_ms is not None and (t.closed_ms or 0) > t.due_ms)
        m.sla_breaches.labels(self.crm).inc(late)


def _reach_of(stage: str) -> str:
    if stage.startswith("poll "):
        return source_reach(stage.removeprefix("poll "))
    return stage


def _paused(error: BaseException) -> bool:
    """Delivery held by the CRM's allowance (a daily limit), not broken: the error itself or
    the one it was raised from (deliver wraps it in the ``Blocking`` that holds the batch)."""
    return any(
        isinstance(cause, CrmRateLimited) and isinstance(cause, Blocking)
        for cause in (error, error.__cause__)
    )
