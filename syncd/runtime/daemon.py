"""The daemon loop: poll → plan → deliver → track, every ``interval_seconds`` until stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Engine

from syncd.clock import to_ms, utcnow
from syncd.contracts import Crm, SurveySource
from syncd.errors import SyncdError
from syncd.pipeline.deliver import Deliverer, DeliverResult
from syncd.pipeline.deliver.context import DeliverContext
from syncd.pipeline.plan import PlanResult, plan_pending
from syncd.pipeline.poll import PollResult, poll_source
from syncd.pipeline.track import TrackResult, track_tasks
from syncd.retry import RetryPolicy
from syncd.settings import Settings
from syncd.store import leases, outbox
from syncd.store.engine import is_sqlite

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PassSummary:
    """What one pass of every stage did."""

    polls: list[PollResult] = field(default_factory=list)
    plan: PlanResult = field(default_factory=PlanResult)
    deliver: DeliverResult = field(default_factory=DeliverResult)
    track: TrackResult = field(default_factory=TrackResult)
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
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sources = sources
        self.crm = crm
        self.holder = holder
        self.clock = clock
        self.tz = ZoneInfo(settings.daemon.timezone)
        self._lease_ms = int((settings.daemon.interval_seconds * 3 + 60) * 1000)

    def recover(self) -> None:
        """SQLite means one instance: claims and leases left behind belong to a dead process.

        Without this a restart after a crash would wait for the old leases to expire.
        """
        if not is_sqlite(self.engine):
            return
        with self.engine.begin() as conn:
            released = outbox.release_all(conn, to_ms(self.clock()))
            leases.release_all(conn)
        if released:
            log.info("recovered actions left in flight by an earlier run", count=released)

    def run_forever(self, stop: threading.Event) -> None:
        log.info(
            "syncd started",
            holder=self.holder,
            sources=sorted(self.sources),
            crm=self.crm.name,
            interval=self.settings.daemon.interval_seconds,
        )
        while not stop.is_set():
            self.run_once(stop)
            stop.wait(self.settings.daemon.interval_seconds)
        log.info("syncd stopping")

    def run_once(self, stop: threading.Event | None = None) -> PassSummary:
        summary = PassSummary()
        for name, source in self.sources.items():
            self._guarded(summary, f"poll {name}", partial(self._poll, source, summary, stop))
        self._guarded(summary, "plan", lambda: self._plan(summary))
        self._guarded(summary, "deliver", lambda: self._deliver(summary, stop))
        if self.settings.tracking.enabled:
            self._guarded(summary, "track", lambda: self._track(summary, stop))
        return summary

    def _guarded(self, summary: PassSummary, stage: str, run: Callable[[], None]) -> None:
        # One failing source or an unreachable CRM must not stop the other stages.
        try:
            run()
        except SyncdError as error:
            summary.errors.append(f"{stage}: {error}")
            log.error("stage failed; will retry next pass", stage=stage, error=str(error))

    def _leased(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return leases.acquire(conn, name, self.holder, self._lease_ms, to_ms(self.clock()))

    def _poll(
        self, source: SurveySource, summary: PassSummary, stop: threading.Event | None
    ) -> None:
        if not self._leased(f"poll:{source.name}"):
            return
        settings = self.settings.sources[source.name]
        result = poll_source(self.engine, source, settings, now=self.clock(), stop=stop)
        summary.polls.append(result)
        log.info(
            "polled",
            source=source.name,
            fetched=result.fetched,
            stored=result.stored,
            rejected=result.rejected,
        )

    def _plan(self, summary: PassSummary) -> None:
        summary.plan = plan_pending(
            self.engine, self.crm.name, self.settings.routing, self.tz, now_ms=to_ms(self.clock())
        )

    def _deliver(self, summary: PassSummary, stop: threading.Event | None) -> None:
        delivery = self.settings.delivery
        policy = RetryPolicy(
            delivery.max_attempts, delivery.backoff_base_seconds, delivery.backoff_max_seconds
        )
        ctx = DeliverContext(
            self.engine, self.crm, delivery, self.settings.routing, policy, self.holder, self.clock
        )
        summary.deliver = ctx.result  # filled as the stage goes; kept if it stops early
        Deliverer(ctx).run(stop)

    def _track(self, summary: PassSummary, stop: threading.Event | None) -> None:
        if self._leased(f"track:{self.crm.name}"):
            summary.track = track_tasks(
                self.engine, self.crm, self.settings.tracking, now=self.clock(), stop=stop
            )

    def close(self) -> None:
        with self.engine.begin() as conn:
            outbox.release(conn, self.holder, to_ms(self.clock()))
            leases.release(conn, self.holder)
        for source in self.sources.values():
            source.close()
        self.crm.close()
