"""Probe decisions from the vitals and the store, on a clock the test moves."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from syncd.http.exchange import Request
from syncd.observability.probes import Probes
from syncd.observability.vitals import Vitals
from syncd.store.cursors import advance
from syncd.store.engine import open_engine

WINDOW = 100.0
GET = Request("GET", "/", {})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _probes(engine: Engine, clock: Clock, vitals: Vitals) -> Probes:
    return Probes(
        vitals, engine, crm="hubspot", sources=["delighted"], window_seconds=WINDOW, clock=clock
    )


def _ready(probes: Probes) -> tuple[int, dict[str, object]]:
    response = probes.ready(GET)
    return response.status, json.loads(response.body)


def test_health_fails_once_the_loop_has_not_turned_for_the_window(engine: Engine) -> None:
    clock = Clock()
    vitals = Vitals(clock)
    probes = _probes(engine, clock, vitals)
    clock.now += WINDOW
    assert probes.health(GET).status == 200
    clock.now += 1
    stalled = probes.health(GET)
    assert stalled.status == 503 and json.loads(stalled.body)["status"] == "stalled"
    vitals.beat()
    assert probes.health(GET).status == 200


def test_ready_needs_every_dependency_reached_within_the_window(engine: Engine) -> None:
    clock = Clock()
    vitals = Vitals(clock)
    probes = _probes(engine, clock, vitals)
    status, body = _ready(probes)
    assert status == 503 and body["failing"] == ["source delighted", "crm hubspot"]
    vitals.pass_started()
    vitals.reached("source:delighted")
    vitals.reached("crm")
    assert _ready(probes)[0] == 200
    clock.now += WINDOW + 1
    status, body = _ready(probes)
    assert status == 503 and body["failing"] == ["source delighted", "crm hubspot"]
    assert "last reached 101s ago" in str(body["checks"])


def test_a_source_polled_by_another_replica_counts_by_its_cursor(engine: Engine) -> None:
    clock = Clock()
    vitals = Vitals(clock)
    vitals.reached("crm")
    with engine.begin() as conn:
        advance(conn, "source:delighted", 1, int(clock.now * 1000))
    assert _ready(_probes(engine, clock, vitals))[0] == 200
    vitals.failed("source:delighted", "401 from Delighted")  # but this replica cannot reach it
    status, body = _ready(_probes(engine, clock, vitals))
    assert status == 503 and body["failing"] == ["source delighted"]


def test_a_paused_crm_fails_only_the_allowance_check(engine: Engine) -> None:
    clock = Clock()
    vitals = Vitals(clock)
    vitals.reached("source:delighted")
    vitals.reached("crm")
    vitals.failed("crm", "daily allowance used up", paused=True)
    status, body = _ready(_probes(engine, clock, vitals))
    assert status == 503 and body["failing"] == ["crm hubspot allowance"]
    vitals.reached("crm")
    assert _ready(_probes(engine, clock, vitals))[0] == 200


def test_a_store_behind_the_newest_migration_is_not_ready(tmp_path: Path) -> None:
    clock = Clock()
    vitals = Vitals(clock)
    vitals.reached("source:delighted")
    vitals.reached("crm")
    bare = open_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        status, body = _ready(_probes(bare, clock, vitals))
    finally:
        bare.dispose()
    assert status == 503 and body["failing"] == ["store"]
    assert "schema at nothing" in str(body["checks"])
