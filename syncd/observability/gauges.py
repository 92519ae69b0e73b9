"""Gauges computed at scrape time: from the store (indexed reads) and from the vitals.

A store that cannot be read makes ``syncd_store_up`` 0 and leaves the store gauges out of that
scrape; the scrape itself still answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.observability import store_views
from syncd.observability.telemetry import DELIVER, Telemetry, source_reach


def cursor_name(source: str) -> str:
    """A source's cursor in the store (as the poll stage names it)."""
    return f"source:{source}"


class StoreGauges:
    """A Prometheus collector reading the store and the vitals at every scrape."""

    def __init__(
        self,
        engine: Engine,
        telemetry: Telemetry,
        sources: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._telemetry = telemetry
        self._sources = tuple(sources)
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        """Every gauge, as of now."""
        now = self._clock()
        up = GaugeMetricFamily("syncd_store_up", "1 when the store answered this scrape.")
        try:
            with self._engine.connect() as conn:
                families = list(self._from_store(conn, now))
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            yield from self._since(now, {})
            yield from self._allowance()
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _from_store(self, conn: Connection, now: float) -> Iterable[Metric]:
        crm = self._telemetry.crm
        depth = GaugeMetricFamily(
            "syncd_outbox_actions",
            "Outbox actions by state (done ones excluded).",
            labels=["crm", "state"],
        )
        states = store_views.outbox_depth(conn, crm)
        for state, count in sorted(states.items()):
            depth.add_metric([crm, state], count)
        yield depth
        dead = GaugeMetricFamily(
            "syncd_dead_letters", "Actions given up; `syncd deadletter list`.", labels=["crm"]
        )
        dead.add_metric([crm], states.get("dead", 0))
        yield dead
        backlog = GaugeMetricFamily("syncd_backlog_answers", "Answers stored, not yet planned.")
        backlog.add_metric([], store_views.backlog(conn))
        yield backlog
        overdue = GaugeMetricFamily(
            "syncd_overdue_loops", "Open follow-up tasks past their due time.", labels=["crm"]
        )
        overdue.add_metric([crm], store_views.overdue(conn, crm, int(now * 1000)))
        yield overdue
        cursors = store_views.cursor_updates(conn, [cursor_name(s) for s in self._sources])
        yield from self._since(now, cursors)
        yield from self._allowance()

    def _since(self, now: float, cursors: dict[str, int]) -> Iterable[Metric]:
        snapshot = self._telemetry.vitals.snapshot()
        poll = GaugeMetricFamily(
            "syncd_seconds_since_last_poll",
            "Since a source was last read successfully, by any replica (since start if never).",
            labels=["source"],
        )
        for source in self._sources:
            reach = snapshot.reach.get(source_reach(source))
            moments = [snapshot.started]
            if reach is not None and reach.last_success is not None:
                moments.append(reach.last_success)
            if cursor_name(source) in cursors:
                moments.append(cursors[cursor_name(source)] / 1000)
            poll.add_metric([source], max(0.0, now - max(moments)))
        yield poll
        crm = self._telemetry.crm
        deliver = snapshot.reach.get(DELIVER)
        last = deliver.last_success if deliver and deliver.last_success else snapshot.started
        since = GaugeMetricFamily(
            "syncd_seconds_since_last_delivery",
            "Since the deliver stage last ran without error (since start if never).",
            labels=["crm"],
        )
        since.add_metric([crm], max(0.0, now - last))
        yield since

    def _allowance(self) -> Iterable[Metric]:
        crm, allowance = self._telemetry.crm, self._telemetry.allowance
        left = GaugeMetricFamily(
            "syncd_crm_allowance_remaining",
            "CRM calls left per window (daily, burst), as the CRM's rate headers last said.",
            labels=["crm", "window"],
        )
        for window, value in sorted(allowance.remaining().items()):
            left.add_metric([crm, window], value)
        yield left
        limit = GaugeMetricFamily(
            "syncd_crm_allowance_limit",
            "The CRM's call limit per window.",
            labels=["crm", "window"],
        )
        for window, value in sorted(allowance.limits().items()):
            limit.add_metric([crm, window], value)
        yield limit
