"""SIGHUP reloads the config into a running daemon; a bad or restart-only config is refused."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import structlog
from structlog.testing import capture_logs

from syncd.runtime.compose import build_daemon, load
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo import Sandbox
from syncd.runtime.reload import Reloader
from tests.e2e.helpers import delighted_of, hubspot_of, sandbox_settings, write_config
from tests.runtime.process import Syncd

NO_TASKS = '\n[[routing.rules]]\nname = "fields-only"\ncreate_task = false\n'


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def sandbox_box() -> list[Sandbox]:
    return []


@pytest.fixture
def running(tmp_path: Path, sandbox_box: list[Sandbox]) -> Iterator[tuple[Daemon, Path, Reloader]]:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot_of(sandbox).add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        config = write_config(settings, tmp_path / "syncd.toml")
        with closing(build_daemon(load(config))) as daemon:
            sandbox_box.append(sandbox)
            yield daemon, config, Reloader(config)


def test_a_good_config_applies_routing_intervals_and_connector_limits(
    running: tuple[Daemon, Path, Reloader], sandbox_box: list[Sandbox]
) -> None:
    daemon, config, reloader = running
    source, crm = daemon.sources["delighted"], daemon.crm
    _edit(
        config, "initial_lookback_days = 14", "initial_lookback_days = 14\nrequests_per_second = 7"
    )
    _edit(config, "interval_seconds = 5.0", "interval_seconds = 2")
    config.write_text(config.read_text(encoding="utf-8") + NO_TASKS, encoding="utf-8")

    with capture_logs() as logs:
        assert reloader.reload(daemon)

    assert daemon.settings.daemon.interval_seconds == 2
    assert daemon.sources["delighted"] is not source  # rebuilt with its new limit
    assert daemon.crm is crm  # unchanged: kept, with its limiter's state
    reloaded = [e for e in logs if e["event"] == "config reloaded"]
    assert len(reloaded) == 1 and "routing" in reloaded[0]["changed"]
    # The new routing is what the next pass uses: an answer now only updates its contact.
    sandbox = sandbox_box[0]
    hubspot_of(sandbox).add_contact("dana@client.example")
    delighted_of(sandbox).add_response(email="dana@client.example", score=2)
    summary = daemon.run_once()
    assert summary.errors == []
    contact = hubspot_of(sandbox).contact_by_email("dana@client.example")
    assert contact is not None and contact["properties"]["nps_score"]
    assert hubspot_of(sandbox).tasks() == []


def test_an_invalid_config_is_rejected_with_one_line_and_the_old_one_kept(
    running: tuple[Daemon, Path, Reloader],
) -> None:
    daemon, config, reloader = running
    before = daemon.settings
    _edit(config, "[delivery]\n", "[delivery]\nbatch_sise = 5\n")

    with capture_logs() as logs:
        assert not reloader.reload(daemon)

    assert daemon.settings is before
    assert [e["log_level"] for e in logs] == ["error"]
    assert "rejected" in logs[0]["event"] and "delivery.batch_sise" in logs[0]["problems"]


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('name = "hubspot"', 'name = "hubspot-eu"', "the CRM"),
        ("[crm]", '[sources.second]\nkind = "delighted"\napi_key = "k-123456789"\n[crm]', "added"),
        ("[daemon]\n", '[daemon]\ndatabase_url = "sqlite:////tmp/other.db"\n', "the store"),
        ("lease_seconds = 30.0", "lease_seconds = 5", "[delivery] lease_seconds"),
        ("[daemon]\n", '[daemon]\ninstance_id = "other"\n', "[daemon] instance_id"),
    ],
)
def test_changes_needing_a_restart_are_refused_whole(
    running: tuple[Daemon, Path, Reloader], old: str, new: str, named: str
) -> None:
    daemon, config, reloader = running
    before = daemon.settings
    _edit(config, old, new)
    _edit(config, "interval_seconds = 5.0", "interval_seconds = 2")  # fine alone, not with it

    with capture_logs() as logs:
        assert not reloader.reload(daemon)

    assert daemon.settings is before
    assert len(logs) == 1 and "need a restart" in logs[0]["event"]
    assert named in logs[0]["changes"]


@pytest.mark.slow
def test_sighup_reloads_a_running_syncd_and_survives_a_bad_config(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (_sandbox, settings):
        config = write_config(settings, tmp_path / "syncd.toml")
        syncd = Syncd("run", "--config", str(config))
        try:
            assert syncd.wait_for("syncd started", timeout=120), syncd.lines
            config.write_text(config.read_text(encoding="utf-8") + NO_TASKS, encoding="utf-8")
            syncd.proc.send_signal(signal.SIGHUP)
            assert syncd.wait_for('"config reloaded"'), syncd.lines
            _edit(config, "[delivery]\n", "[delivery]\nbatch_size = 0\n")
            syncd.proc.send_signal(signal.SIGHUP)
            assert syncd.wait_for("config reload rejected"), syncd.lines
            assert syncd.proc.poll() is None
            _edit(config, "batch_size = 0\n", "")
            _edit(config, 'name = "hubspot"', 'name = "other"')
            syncd.proc.send_signal(signal.SIGHUP)
            assert syncd.wait_for("need a restart"), syncd.lines
            syncd.proc.send_signal(signal.SIGTERM)
            assert syncd.finish(timeout=30) == 0, syncd.lines
        finally:
            if syncd.proc.poll() is None:
                syncd.proc.kill()
                syncd.finish()
    assert "Traceback" not in "\n".join(syncd.lines)


def test_the_log_level_follows_a_reload(running: tuple[Daemon, Path, Reloader]) -> None:
    daemon, config, reloader = running
    _edit(config, 'log_format = "json"', 'log_format = "json"\nlog_level = "error"')
    try:
        assert reloader.reload(daemon)
        assert daemon.settings.daemon.log_level == "error"
        assert not structlog.get_logger("x").is_enabled_for(20)
    finally:
        structlog.reset_defaults()


@pytest.mark.parametrize("damage", ["truncated", "missing", "empty"])
def test_a_damaged_or_missing_file_is_rejected_and_the_old_config_kept(
    running: tuple[Daemon, Path, Reloader], damage: str
) -> None:
    daemon, config, reloader = running
    before = daemon.settings
    text = config.read_text(encoding="utf-8")
    if damage == "truncated":
        config.write_text(text[: len(text) // 2] + '\n[crm\nkind = "', encoding="utf-8")
    elif damage == "missing":
        config.unlink()
    else:
        config.write_text("", encoding="utf-8")

    with capture_logs() as logs:
        assert not reloader.reload(daemon)

    assert daemon.settings is before
    assert len(logs) == 1 and "rejected" in logs[0]["event"]
