"""The daemon loop: poll → plan → deliver → track, a pass every ``interval_seconds`` until stopped.

Nothing but a stop ends the loop: a stage that raises, whatever it raises, is logged as one event
(with its traceback when the error was not foreseen) and rests for a growing, capped time while
the other stages carry on. While a pass works, a heartbeat renews this instance's leases and claims.
A backlog is worked in slices (pages polled, batches planned) with delivery after each slice.
Answers pushed by webhook wake a resting daemon, which plans and delivers them at once; during
a pass they are planned after the page being read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine

from syncd.clock import to_ms, utcnow
from syncd.contracts import Crm, SurveySource
from syncd.edge.traffic import ReportsTraffic
from syncd.observability.gauges import StoreGauges
from syncd.observability.telemetry import Telemetry
from syncd.pipeline.deliver import Deliverer, DeliverResult
from syncd.pipeline.deliver.context import DeliverContext, pass_context
from syncd.pipeline.deliver.run import CONTACT_LANE, TASK_LANE, owners_missing
from syncd.pipeline.escalate import EscalateResult, escalate_overdue
from syncd.pipeline.events import SendResult, send_due
from syncd.pipeline.plan import PlanResult, plan_pending
from syncd.pipeline.poll import Interleave, PollResult, poll_source
from syncd.pipeline.track import TrackResult, track_tasks
from syncd.runtime.deliver_lane import DeliverLane
from syncd.runtime.holdings import Holdings
from syncd.runtime.retention import Retention
from syncd.runtime.stage_guard import StageGuard
from syncd.settings import Settings
from syncd.store.lock import StoreLock
from syncd.store.outbox_types import ActionKind

log = structlog.get_logger(__name__)

#: A resting daemon looks this often for work to do between passes (a requested reload) and
#: for a stop; a wake (answers pushed by webhook) ends the wait at once.
_REST_SLICE_SECONDS = 0.25
#: Plan batches (of 500 answers) between two deliveries: bounds how long planned work waits.
PLAN_SLICE_BATCHES = 4


@dataclass(slots=True)
class PassSummary:
    """What one pass of every stage did."""

    polls: list[PollResult] = field(default_factory=list)
    plan: PlanResult = field(default_factory=PlanResult)
    deliver: DeliverResult = field(default_factory=DeliverResult)
    track: TrackResult = field(default_factory=TrackResult)
    escalate: EscalateResult = field(default_factory=EscalateResult)
    events: SendResult = field(default_factory=SendResult)
    errors: list[str] = field(default_factory=list)


class Daemon:
    """Runs the stages for every configured source and the CRM."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sources: Mapping[str, SurveySource],
        crm: Crm,
        *,
        holder: str,
        clock: Callable[[], datetime] = utcnow,
        lock: StoreLock | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sources = sources
        self.crm = crm
        self.holder = holder
        self.clock = clock
        self.tz = ZoneInfo(settings.daemon.timezone)
        self._lock = lock or StoreLock()
        self._holdings = Holdings(
            engine, holder, settings.daemon.lease_seconds, settings.delivery.lease_seconds, clock
        )
        self._retention = Retention()
        #: Set by ``wake``: answers arrived by webhook while the daemon rests.
        self._woken = threading.Event()
        #: Vitals for the probes, metrics in this daemon's own registry, pass summary lines.
        self.telemetry = Telemetry(settings.crm.name)
        self._guard = self._new_guard(settings)
        if isinstance(crm, ReportsTraffic):
            self.telemetry.watch(crm.traffic)
        self.telemetry.metrics.registry.register(StoreGauges(engine, self.telemetry, list(sources)))

    def _new_guard(self, settings: Settings) -> StageGuard:
        daemon = settings.daemon
        return StageGuard(self.telemetry, daemon.interval_seconds, daemon.stage_backoff_max_seconds)

    def recover(self) -> None:
        """Take back what an earlier life of this instance left in flight (see ``Holdings``)."""
        released = self._holdings.recover()
        if released:
            log.info("recovered actions left in flight by an earlier run", count=released)

    def run_forever(
        self, stop: threading.Event, between: Callable[[Daemon], object] | None = None
    ) -> None:
        """Pass after pass until ``stop`` is set; failing stages back off, the loop goes on.

        ``between`` runs on this thread while the daemon rests (a config reload), never mid-pass.
        """
        log.info(
            "syncd started",
            instance=self.holder,
            sources=sorted(self.sources),
            crm=self.crm.name,
            interval=self.settings.daemon.interval_seconds,
        )
        with self._holdings.heartbeat():
            while not stop.is_set():
                started = time.monotonic()
                try:
                    self._pass(stop, resting=True)
                except Exception:
                    log.error("pass failed; the next one starts on time", exc_info=True)
                self._rest(stop, between, started)
        log.info("syncd stopping")

    def wake(self) -> None:
        """New answers are in the inbox (a webhook delivery): a resting daemon plans and
        delivers them now instead of at its next pass. Safe from any thread."""
        self._woken.set()

    def _take_wake(self) -> bool:
        """Whether answers were pushed since the last look (and forget it: they get planned)."""
        if not self._woken.is_set():
            return False
        self._woken.clear()
        return True

    def _rest(
        self,
        stop: threading.Event,
        between: Callable[[Daemon], object] | None,
        started: float,
    ) -> None:
        """Rest until ``interval_seconds`` (as it is after any reload) after the pass
        ``started``, so passes start one interval apart; woken, deliver pushed answers."""
        while not stop.is_set():
            if between is not None:
                between(self)
            left = started + self.settings.daemon.interval_seconds - time.monotonic()
            if left <= 0:
                return
            if self._woken.wait(min(left, _REST_SLICE_SECONDS)):
                # Gathered: the answers pushed meanwhile go out in the same CRM calls.
                stop.wait(min(left, self.settings.webhooks.batch_seconds))
                self._woken.clear()
                self._pushed_pass(stop)

    def _pushed_pass(self, stop: threading.Event) -> None:
        """Plan and deliver what webhooks stored; polling, tracking and the rest wait for the
        next pass, so an answer pushed to syncd reaches the CRM within seconds."""
        summary = PassSummary()
        self.telemetry.pass_started()
        guard = partial(self._guarded, summary, resting=True)
        deliver = self._deliver_context()
        summary.deliver = deliver.result
        try:
            self._plan_all(guard, summary, self._delivering(guard, deliver, stop), stop)
        except Exception:
            log.error("delivering pushed answers failed; the next pass does it", exc_info=True)
        self.telemetry.pass_ended(self.engine, summary.plan, summary.deliver, None)

    def apply_settings(
        self,
        settings: Settings,
        sources: Mapping[str, SurveySource] | None = None,
        crm: Crm | None = None,
    ) -> None:
        """Run with ``settings`` from the next pass on; replaced connectors are closed.

        Only options a running daemon can take on may differ (``syncd.runtime.reload`` checks).
        """
        old_sources, old_crm = self.sources, self.crm
        self.settings = settings
        self.tz = ZoneInfo(settings.daemon.timezone)
        self._guard = self._new_guard(settings)
        if sources is not None:
            self.sources = sources
            for name, source in old_sources.items():
                if sources.get(name) is not source:
                    source.close()
        if crm is not None:
            self.crm = crm
            old_crm.close()

    def run_once(self, stop: threading.Event | None = None) -> PassSummary:
        """One pass of every stage (no backoff: each stage runs once, failed or not)."""
        with self._holdings.heartbeat():
            return self._pass(stop, resting=False)

    def _pass(self, stop: threading.Event | None, *, resting: bool) -> PassSummary:
        summary = PassSummary()
        self.telemetry.pass_started()
        guard = partial(self._guarded, summary, resting=resting)
        # One deliver context per lane and pass: counts and owner load carry over from slice
        # to slice. The summary holds the contacts lane's result, filled as the stage goes (kept
        # if it stops early); the task lane's is added once it is done.
        deliver, task_ctx = self._deliver_context(), self._deliver_context()
        task_ctx.state = deliver.state  # one block stops both lanes; owners checked once
        summary.deliver = deliver.result
        # Delivery overlaps polling and planning (see ``DeliverLane``), in two lanes: contact
        # writes and task creates each wait for the CRM and the store on their own thread. Each
        # contacts round releases task creates, so it nudges the task lane; the contacts lane
        # closes first, then the task lane, so all is delivered before tracking reads the tasks.
        with DeliverLane(
            self._delivering(guard, task_ctx, stop, TASK_LANE), "syncd-deliver-tasks"
        ) as tasks:
            deliver.after_round = partial(self._contacts_round, tasks.nudge)
            with DeliverLane(
                self._delivering(guard, deliver, stop, CONTACT_LANE), "syncd-deliver-contacts"
            ) as contacts:
                nudge = partial(_nudge_all, (contacts, tasks))
                # Answers pushed during the pass are planned after the page being read, not
                # at its end: a pass that re-reads or catches up can take many seconds.
                work = Interleave(
                    partial(self._plan_all, guard, summary, nudge, stop), due=self._take_wake
                )
                for name, source in self.sources.items():
                    guard(f"poll {name}", partial(self._poll, source, summary, stop, work))
                work.run()
        deliver.after_round = partial(self.telemetry.delivered, self.engine)
        summary.deliver.add(task_ctx.result)
        if deliver.state.owners_error is not None and deliver.blocked is None:
            # Reported once the lanes are done, and only when no block explains it better.
            guard("deliver", partial(_raise, owners_missing(deliver)))
        tracking = self.settings.tracking.enabled
        if tracking:
            guard("track", lambda: self._track(summary, stop))
        guard("escalate", lambda: self._escalate(summary))
        # Escalations and loop-closed marks go out in this pass, not the next.
        if summary.escalate.queued or summary.track.marks:
            self._delivering(guard, deliver, stop)()
        guard("events", lambda: self._send_events(summary))
        if resting:  # the long-running daemon prunes; `run --once` leaves it to `syncd prune`
            guard("prune", lambda: self._prune(stop))
        self.telemetry.pass_ended(
            self.engine, summary.plan, summary.deliver, summary.track if tracking else None
        )
        return summary

    def _deliver_context(self) -> DeliverContext:
        """A pass's deliver context; telemetry takes the created tasks after every round."""
        deliver = pass_context(self.settings, self.engine, self.crm, self.holder, self.clock)
        deliver.after_round = partial(self.telemetry.delivered, self.engine)
        return deliver

    def _contacts_round(self, then: Callable[[], None], result: DeliverResult) -> None:
        """After a round of the contacts lane: telemetry, then ``then`` (nudge the tasks)."""
        self.telemetry.delivered(self.engine, result)
        then()

    def _delivering(
        self,
        guard: Callable[[str, Callable[[], None]], None],
        ctx: DeliverContext,
        stop: threading.Event | None,
        kinds: frozenset[ActionKind] | None = None,
    ) -> Callable[[], None]:
        """The guarded deliver stage with ``ctx`` (every kind, or ``kinds``), as one call."""
        return partial(guard, "deliver", partial(self._deliver, ctx, stop, kinds))

    def _plan_all(
        self,
        guard: Callable[[str, Callable[[], None]], None],
        summary: PassSummary,
        planned: Callable[[], None],
        stop: threading.Event | None,
    ) -> None:
        """Plan slice after slice until the plan is drained (also between slices of polled
        pages), calling ``planned`` after each, so the first tasks of a large backfill go out
        at once, not after all of it."""
        while True:
            before = summary.plan.planned
            guard("plan", lambda: self._plan(summary))
            planned()
            more = not summary.plan.drained and summary.plan.planned > before
            if not more or (stop is not None and stop.is_set()):
                return

    def _guarded(
        self, summary: PassSummary, stage: str, run: Callable[[], None], *, resting: bool
    ) -> None:
        self._guard.run(stage, run, summary.errors, self._subject(stage), resting=resting)

    def _subject(self, stage: str) -> dict[str, str]:
        # Every line a stage logs names the source or CRM it works on.
        if stage.startswith("poll "):
            return {"source": stage.removeprefix("poll ")}
        return {"crm": self.crm.name} if stage in ("deliver", "track") else {}

    def _leased(self, name: str) -> bool:
        return self._holdings.leased(name)

    def _poll(
        self,
        source: SurveySource,
        summary: PassSummary,
        stop: threading.Event | None,
        work: Interleave,
    ) -> None:
        if not self._leased(f"poll:{source.name}"):
            return
        settings = self.settings.sources[source.name]
        began = time.monotonic()
        result = poll_source(
            self.engine, source, settings, now=self.clock(), stop=stop, interleave=work
        )
        summary.polls.append(result)
        self.telemetry.polled(result, time.monotonic() - began)

    def _plan(self, summary: PassSummary) -> None:
        sliced = plan_pending(
            self.engine,
            self.crm.name,
            self.settings.routing,
            self.tz,
            now_ms=to_ms(self.clock()),
            match_by=self.settings.crm.match_contacts_by,
            max_batches=PLAN_SLICE_BATCHES,
        )
        summary.plan = summary.plan.add(sliced)

    def _deliver(
        self,
        ctx: DeliverContext,
        stop: threading.Event | None,
        kinds: frozenset[ActionKind] | None = None,
    ) -> None:
        if ctx.blocked is not None:
            return  # reported once for this pass; the next pass tries again
        try:
            Deliverer(ctx, kinds).run(stop)
        except BaseException:
            # A batch cut short by an error keeps no claim: the heartbeat would renew it forever.
            # Only this lane's kinds: the other lane may be sending its claims right now. (A run
            # that returns has recorded every batch it claimed: nothing to hand back.)
            self._holdings.release_claims(kinds)
            raise

    def _track(self, summary: PassSummary, stop: threading.Event | None) -> None:
        if self._leased(f"track:{self.crm.name}"):
            summary.track = track_tasks(
                self.engine,
                self.crm,
                self.settings.tracking,
                now=self.clock(),
                stop=stop,
                events=self.settings.events,
            )
            self.telemetry.tracked()

    def _escalate(self, summary: PassSummary) -> None:
        """Overdue loops: a cheap indexed read each pass; escalations go out next delivery."""
        if self._leased(f"escalate:{self.crm.name}"):
            summary.escalate = escalate_overdue(
                self.engine,
                self.crm.name,
                self.settings.routing,
                self.tz,
                now_ms=to_ms(self.clock()),
            )

    def _send_events(self, summary: PassSummary) -> None:
        if self.settings.events.enabled and self._leased("events"):
            summary.events = send_due(self.engine, self.settings.events, to_ms(self.clock()))

    def _prune(self, stop: threading.Event | None) -> None:
        now_ms = to_ms(self.clock())
        self._retention.run_if_due(self.engine, self.settings.retention, now_ms, self._leased, stop)

    def close(self) -> None:
        """Hand back leases and claims (another replica may go on at once), close connectors."""
        self._holdings.release_all()
        for source in self.sources.values():
            source.close()
        self.crm.close()
        self._lock.release()
        self.engine.dispose()


def _nudge_all(lanes: tuple[DeliverLane, ...]) -> None:
    """A plan committed: every lane may have work now."""
    for lane in lanes:
        lane.nudge()


def _raise(error: Exception) -> None:
    raise error
