"""One process per SQLite store: a second daemon refuses to start; read-only commands still work."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.helpers import sandbox_settings, write_config
from tests.runtime.process import Syncd

pytestmark = pytest.mark.slow


def test_a_second_daemon_on_the_same_sqlite_store_exits_at_once(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (_, settings):
        _two_daemons(tmp_path, write_config(settings, tmp_path / "syncd.toml"))


def _two_daemons(tmp_path: Path, config: Path) -> None:
    first = Syncd("run", "--config", str(config))
    try:
        assert first.wait_for("syncd started"), first.lines
        second = Syncd("run", "--config", str(config))
        assert second.finish(timeout=60) == 1
        (line,) = second.lines
        lock_file = tmp_path / "data" / "syncd.db.lock"
        assert f"pid {first.proc.pid}" in line and str(lock_file) in line
        for read_only in (["report"], ["quarantine", "list"]):
            reader = Syncd(*read_only, "--config", str(config))
            assert reader.finish(timeout=60) == 0, reader.lines
    finally:
        first.proc.send_signal(signal.SIGTERM)
        assert first.finish(timeout=30) == 0
    # The lock dies with its holder: the store is free again.
    again = Syncd("run", "--once", "--config", str(config))
    assert again.finish(timeout=60) == 0, again.lines
