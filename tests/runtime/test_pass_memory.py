"""A pass keeps nothing per task it creates: a backfill's single pass must not grow with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from syncd.clock import utcnow
from syncd.pipeline.deliver.context import DeliverResult
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from tests.e2e.helpers import sandbox_settings

BATCH = 4


def test_time_to_task_is_observed_round_by_round_not_held_to_the_pass_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"SYNCD__DELIVERY__BATCH_SIZE": str(BATCH)}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=30)
        daemon = build_daemon(settings)
        held: list[int] = []
        observe = daemon.telemetry.delivered

        def spy(engine: Engine, result: DeliverResult) -> None:
            held.append(len(result.created))
            observe(engine, result)

        monkeypatch.setattr(daemon.telemetry, "delivered", spy)
        try:
            summary = daemon.run_once()
            tasks = len(sandbox.crm.tasks())
        finally:
            daemon.close()
    registry = daemon.telemetry.metrics.registry
    observed = registry.get_sample_value("syncd_time_to_task_seconds_count", {"crm": "hubspot"})
    assert observed == tasks > 2 * BATCH  # every task observed once
    assert 0 < max(held) <= BATCH  # at most one round's creates waited to be observed
    assert summary.deliver.created == []
    assert summary.deliver.tasks_created == tasks
