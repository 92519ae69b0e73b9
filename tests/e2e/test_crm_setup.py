"""``syncd crm setup`` and the startup check: the CRM is prepared on request, never silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.runtime.compose import CrmNotSetUp, build_daemon, load
from tests.e2e.helpers import hubspot_of, sandbox_settings, write_config

runner = CliRunner()


def _config(settings_path: Path) -> Path:
    with settings_path.open("a", encoding="utf-8") as toml:
        toml.write('[crm.fields]\nscore = "csat_score"\n')  # a property the portal lacks
    return settings_path


def test_startup_refuses_with_one_message_until_crm_setup_ran(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        config = _config(write_config(settings, tmp_path / "syncd.toml"))
        with pytest.raises(CrmNotSetUp) as refused:
            build_daemon(load(config))
        message = str(refused.value)
        assert "'csat_score'" in message and "syncd crm setup" in message
        assert "nps_comment" not in message  # only what is missing is named

        run = subprocess.run(
            [sys.executable, "-m", "syncd.cli", "run", "--once", "--config", str(config)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            timeout=120,
            check=False,
        )
        assert run.returncode == 1 and "syncd crm setup" in run.stderr
        assert "Traceback" not in run.stderr

        assert runner.invoke(app, ["crm", "setup", "-c", str(config)]).exit_code == 0
        daemon = build_daemon(load(config))
        daemon.close()
        assert hubspot_of(sandbox).requests  # the portal was asked, not guessed


def test_crm_setup_dry_run_then_setup_then_nothing_left_to_create(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        config = _config(write_config(settings, tmp_path / "syncd.toml"))
        fake = hubspot_of(sandbox)

        dry = runner.invoke(app, ["crm", "setup", "--dry-run", "-c", str(config)])
        assert dry.exit_code == 0
        assert any(
            "would create" in line and "csat_score" in line for line in dry.stdout.splitlines()
        )
        assert [path for method, path in fake.requests if method == "POST"] == []

        first = runner.invoke(app, ["crm", "setup", "-c", str(config)])
        assert first.exit_code == 0 and "created" in first.stdout
        second = runner.invoke(app, ["crm", "setup", "-c", str(config)])
        assert second.exit_code == 0 and "0 created, 0 failed" in second.stderr
        assert all(line.startswith("exists") for line in second.stdout.splitlines())
