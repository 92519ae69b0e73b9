"""An unexpected error in a stage is logged with its traceback and backed off; the loop goes on."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from syncd.runtime import daemon as daemon_module
from syncd.runtime.backoff import StageBackoff
from syncd.runtime.compose import build_daemon
from tests.e2e.helpers import sandbox_settings


def _explode(*_args: Any, **_kwargs: Any) -> Any:
    raise UnicodeEncodeError("ascii", "Zoë", 2, 3, "ordinal not in range(128)")


def test_a_pass_with_a_crashing_stage_still_runs_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon_module, "poll_source", _explode)
    with sandbox_settings(tmp_path / "data") as (_, settings):
        daemon = build_daemon(settings)
        try:
            with capture_logs() as logs:
                summary = daemon.run_once()
        finally:
            daemon.close()
    assert [e.split(":")[0] for e in summary.errors] == ["poll delighted"]
    failed = [e for e in logs if e["event"] == "stage failed"]
    assert failed[0]["stage"] == "poll delighted" and failed[0]["exc_info"] is True
    assert failed[0]["source"] == "delighted"  # every stage line names what it works on
    assert [e["event"] for e in logs if e["event"] in ("planned", "delivered", "tracked")] == [
        "planned",
        "delivered",
        "tracked",
    ]
    assert summary.deliver.by_kind == {} and summary.plan.planned == 0  # they ran, found nothing


def test_the_loop_survives_a_stage_that_always_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    plans: list[int] = []

    def count_plans(*_args: Any, **_kwargs: Any) -> Any:
        plans.append(1)
        if len(plans) == 5:
            stop.set()
        raise RuntimeError("plan is broken")

    monkeypatch.setattr(daemon_module, "poll_source", _explode)
    monkeypatch.setattr(daemon_module, "plan_pending", count_plans)
    env = {
        "SYNCD__DAEMON__INTERVAL_SECONDS": "0.01",
        "SYNCD__DAEMON__STAGE_BACKOFF_MAX_SECONDS": "0.01",
    }
    with sandbox_settings(tmp_path / "data", **env) as (_, settings):
        daemon = build_daemon(settings)
        runner = threading.Thread(target=daemon.run_forever, args=(stop,))
        runner.start()
        runner.join(timeout=60)
        alive = runner.is_alive()
        stop.set()
        runner.join()
        daemon.close()
    assert not alive and len(plans) == 5


def test_backoff_grows_per_stage_up_to_the_cap_and_resets_on_success() -> None:
    now = [0.0]
    backoff = StageBackoff(base=10, cap=60, clock=lambda: now[0])
    assert [backoff.failed("poll") for _ in range(4)] == [10, 20, 40, 60]
    assert not backoff.ready("poll") and backoff.ready("deliver")
    now[0] = 59.9
    assert not backoff.ready("poll")
    now[0] = 60.0
    assert backoff.ready("poll")
    backoff.succeeded("poll")
    assert backoff.failed("poll") == 10
