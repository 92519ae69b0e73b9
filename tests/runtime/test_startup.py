"""Startup: signals work from the first moment, store problems are one line, crashes are events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.process import Syncd, closed_port, minimal_config

pytestmark = pytest.mark.slow


def _dead_postgres(timeout: float) -> str:
    return (
        f'database_url = "postgresql://syncd@127.0.0.1:{closed_port()}/syncd"\n'
        f"connect_timeout_seconds = {timeout}"
    )


def test_sigterm_while_waiting_for_the_store_exits_0(tmp_path: Path) -> None:
    config = minimal_config(tmp_path / "syncd.toml", daemon=_dead_postgres(120))
    syncd = Syncd("run", "--config", str(config))
    assert syncd.wait_for("store not reachable yet"), syncd.lines
    syncd.proc.send_signal(signal.SIGTERM)
    assert syncd.finish(timeout=30) == 0, syncd.lines


def test_an_unreachable_postgres_is_one_clear_line(tmp_path: Path) -> None:
    config = minimal_config(tmp_path / "syncd.toml", daemon=_dead_postgres(0))
    syncd = Syncd("run", "--config", str(config))
    assert syncd.finish() == 1
    assert 1 <= len(syncd.lines) < 5, syncd.lines
    assert "cannot reach the store at postgresql+psycopg://syncd@127.0.0.1" in syncd.lines[-1]
    assert "Traceback" not in "\n".join(syncd.lines)


def test_a_crash_in_json_mode_is_one_parseable_event() -> None:
    # Any error nobody expected, raised from inside the command line, in a fresh process.
    crash_app = "import syncd.cli as cli; cli.app = lambda: 1 / 0; cli.main()"
    env = {**os.environ, "SYNCD_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", crash_app],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    crash = events[-1]
    assert crash["level"] == "critical" and crash["event"] == "syncd crashed"
    assert "Traceback" in crash["exception"] and "ZeroDivisionError" in crash["exception"]
