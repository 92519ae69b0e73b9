"""PostgreSQL: an instance id is unique among live processes; a restart takes its leases back."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from syncd.runtime.compose import build_daemon
from syncd.store.lock import StoreBusy
from tests.e2e.helpers import sandbox_settings, write_config
from tests.runtime.process import Syncd

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

POLLED = '"event": "polled"'


def test_a_killed_instance_restarts_and_polls_at_once(tmp_path: Path, pg_server_url: str) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DAEMON__INTERVAL_SECONDS="0.5") as (
        _,
        settings,
    ):
        config = write_config(settings, tmp_path / "syncd.toml")
        text = config.read_text(encoding="utf-8").replace(
            "[daemon]\n", f'[daemon]\ndatabase_url = "{pg_server_url}"\ninstance_id = "a"\n'
        )
        config.write_text(text, encoding="utf-8")
        first = Syncd("run", "--config", str(config))
        try:
            assert first.wait_for(POLLED), first.lines
            twin = Syncd("run", "--config", str(config))
            assert twin.finish(timeout=60) == 1
            assert "another syncd process is running as instance 'a'" in twin.lines[-1]
        finally:
            first.proc.send_signal(signal.SIGKILL)
            first.finish()
        # Its poll lease is still in the store, unexpired; the restart is the same instance.
        again = Syncd("run", "--once", "--config", str(config))
        assert again.finish(timeout=60) == 0, again.lines
        assert any(POLLED in line for line in again.lines), again.lines


def test_a_closed_daemon_frees_its_instance_id(tmp_path: Path, pg_server_url: str) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DAEMON__DATABASE_URL=pg_server_url) as (
        _,
        settings,
    ):
        build_daemon(settings).close()
        again = build_daemon(settings)
        with pytest.raises(StoreBusy, match="give each replica its own"):
            build_daemon(settings)
        again.close()
