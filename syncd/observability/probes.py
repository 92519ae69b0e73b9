"""``/healthz`` and ``/readyz``: is the loop turning, and can this replica do its work now.

Liveness: the loop turned (a pass or a stage began or ended) within three intervals plus a
grace. Readiness, one named check each: the store answers at the newest migration; every
enabled source and the CRM answered within that window (a source another replica holds the
lease of counts by its cursor in the store); delivery is not paused by the CRM's allowance.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.http.exchange import Request, Response
from syncd.http.router import json_response
from syncd.observability import store_views
from syncd.observability.gauges import cursor_name
from syncd.observability.schema_state import migration_head, store_problem
from syncd.observability.telemetry import CRM, source_reach
from syncd.observability.vitals import Reach, Snapshot, Vitals


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check: its name, whether it passes, and why."""

    name: str
    ok: bool
    detail: str


class Probes:
    """The two probe handlers of one daemon."""

    def __init__(
        self,
        vitals: Vitals,
        engine: Engine,
        *,
        crm: str,
        sources: Sequence[str],
        window_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._vitals = vitals
        self._engine = engine
        self._crm = crm
        self._sources = tuple(sources)
        self._window = window_seconds
        self._clock = clock
        self._head = migration_head()

    def health(self, _request: Request) -> Response:
        """200 while the loop turns, else 503."""
        snapshot = self._vitals.snapshot()
        quiet = self._clock() - snapshot.last_beat
        body = {"status": "ok", "seconds_since_loop_turned": round(quiet, 1)}
        if quiet > self._window:
            body["status"] = "stalled"
            return json_response(503, body)
        return json_response(200, body)

    def ready(self, _request: Request) -> Response:
        """200 when every check passes, else 503 naming the failing ones."""
        checks = self.checks()
        failing = [check.name for check in checks if not check.ok]
        body = {
            "status": "not ready" if failing else "ready",
            "failing": failing,
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        }
        return json_response(503 if failing else 200, body)

    def checks(self) -> list[Check]:
        """Every readiness check, as of now."""
        now = self._clock()
        snapshot = self._vitals.snapshot()
        problem = store_problem(self._engine, self._head)
        checks = [Check("store", problem is None, problem or f"reachable, schema at {self._head}")]
        cursors = self._cursor_updates() if problem is None else {}
        for source in self._sources:
            shared = cursors.get(cursor_name(source))
            checks.append(self._source(source, snapshot, now, shared))
        reach = snapshot.reach.get(CRM, Reach())
        checks.append(self._fresh(f"crm {self._crm}", reach, now, snapshot))
        paused = reach.paused
        allowance = f"crm {self._crm} allowance"
        checks.append(Check(allowance, paused is None, paused or "delivery not paused"))
        return checks

    def _source(self, source: str, snapshot: Snapshot, now: float, shared_ms: int | None) -> Check:
        name = f"source {source}"
        reach = snapshot.reach.get(source_reach(source), Reach())
        if not reach.failing and shared_ms is not None and now - shared_ms / 1000 <= self._window:
            return Check(name, True, "read within the window (cursor moved)")
        return self._fresh(name, reach, now, snapshot)

    def _fresh(self, name: str, reach: Reach, now: float, snapshot: Snapshot) -> Check:
        if reach.failing and reach.paused is None:
            return Check(name, False, f"failing: {reach.error}")
        if reach.last_success is None:
            detail = "not reached yet" if snapshot.passes else "no pass has run yet"
            return Check(name, reach.paused is not None, detail)
        age = now - reach.last_success
        if age > self._window:
            return Check(name, False, f"last reached {age:.0f}s ago (window {self._window:.0f}s)")
        return Check(name, True, f"reached {age:.0f}s ago")

    def _cursor_updates(self) -> dict[str, int]:
        try:
            with self._engine.connect() as conn:
                return store_views.cursor_updates(conn, [cursor_name(s) for s in self._sources])
        except SQLAlchemyError:
            return {}
