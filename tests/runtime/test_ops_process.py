"""``syncd run`` serves its port beside the loop; ``syncd run --once`` opens none."""

from __future__ import annotations

import json
import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli import app
from syncd.http import server as server_module
from syncd.runtime.logging import NOISY_LOGGERS
from tests.e2e.helpers import sandbox_settings, write_config
from tests.runtime.ops_helpers import Scrape, get_json
from tests.runtime.process import Syncd

PORT_OPEN = '"event": "http port open"'


def test_a_running_daemon_answers_its_probes_and_stops_on_sigterm(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DAEMON__INTERVAL_SECONDS="0.5") as (
        _,
        settings,
    ):
        config = write_config(settings, tmp_path / "syncd.toml")
        syncd = Syncd("run", "--config", str(config))
        try:
            assert syncd.wait_for(PORT_OPEN), syncd.lines
            port = json.loads(syncd.lines[-1])["port"]
            assert syncd.wait_for('"event": "tracked"'), syncd.lines  # a whole pass ran
            health, _ = get_json(port, "/healthz")
            ready, body = get_json(port, "/readyz")
            passes = Scrape.of(port).value("syncd_passes_total")
        finally:
            syncd.proc.send_signal(signal.SIGTERM)
            code = syncd.finish()
    assert (health, ready) == (200, 200), body
    assert passes >= 1
    assert code == 0, syncd.lines


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``syncd run`` configures logging onto the runner's stream, closed after the call."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    root_level, handlers = root.level, list(root.handlers)
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("logging_restored")
def test_run_once_opens_no_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise AssertionError("run --once opened the HTTP port")

    monkeypatch.setattr(server_module.HttpServer, "__init__", refuse)
    with sandbox_settings(tmp_path / "data") as (_, settings):
        config = write_config(settings, tmp_path / "syncd.toml")
        result = CliRunner().invoke(app, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert opened == []


def test_a_taken_port_stops_startup_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken, sandbox_settings(tmp_path / "data") as (_, settings):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(settings, tmp_path / "syncd.toml")
        syncd = Syncd("run", "--config", str(config), env={"SYNCD__HTTP__PORT": str(port)})
        code = syncd.finish()
    assert code == 1
    assert f"syncd: cannot open the HTTP port 127.0.0.1:{port}" in syncd.lines[-1], syncd.lines
