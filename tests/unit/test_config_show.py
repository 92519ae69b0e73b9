"""``syncd config show`` and ``syncd --version``: effective values, origins, no secret shown."""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncd.cli import app

runner = CliRunner()
API_KEY = "delighted-key-0123456789"
TOKEN = "pat-na1-5e3b1c9d-token-abcdef"
DB_PASSWORD = "db-pass-word-9876543"


def _config(tmp_path: Path, token_file: Path, extra: str = "") -> Path:
    path = tmp_path / "syncd.toml"
    path.write_text(
        f"""
[daemon]
data_dir = "{tmp_path / "data"}"
database_url = "postgresql://syncd:{DB_PASSWORD}@db:5432/syncd"
interval_seconds = 30
[sources.delighted]
kind = "delighted"
api_key = "env:DELIGHTED_KEY"
[crm]
kind = "hubspot"
access_token = "file:{token_file}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def _show(config: Path, *args: str, **env: str) -> Any:
    base = {"DELIGHTED_KEY": API_KEY, **env}
    result = runner.invoke(app, ["config", "show", "-c", str(config), *args], env=base)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def config(tmp_path: Path) -> Path:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    return _config(tmp_path, token)


def test_json_shows_each_value_with_its_origin(config: Path) -> None:
    shown = json.loads(_show(config, "--format", "json", SYNCD__DELIVERY__BATCH_SIZE="50"))
    values, origins = shown["config"], shown["origins"]
    assert values["daemon"]["interval_seconds"] == 30
    assert origins["daemon.interval_seconds"] == "file"
    assert values["delivery"]["batch_size"] == 50
    assert origins["delivery.batch_size"] == "env SYNCD__DELIVERY__BATCH_SIZE"
    assert values["delivery"]["max_attempts"] == 8
    assert origins["delivery.max_attempts"] == "default"
    # Connector options appear with their defaults, typed by the connector's model.
    assert values["sources"]["delighted"]["page_size"] == 100
    assert origins["sources.delighted.page_size"] == "default"
    assert values["routing"]["rules"][0]["name"] == "detractors-to-support"
    assert origins["routing.rules.0.name"] == "default"


def test_no_secret_appears_and_references_say_where_they_came_from(config: Path) -> None:
    for fmt in ("json", "toml"):
        text = _show(config, "--format", fmt)
        for secret in (API_KEY, TOKEN, DB_PASSWORD):
            assert secret not in text
    values = json.loads(_show(config, "-f", "json"))["config"]
    assert values["sources"]["delighted"]["api_key"] == "*** (env:DELIGHTED_KEY)"
    assert values["crm"]["access_token"].startswith("*** (file:")
    assert values["daemon"]["database_url"] == "postgresql://syncd:***@db:5432/syncd"


def test_a_secret_set_by_an_override_or_a_secret_named_option_is_masked(
    tmp_path: Path, config: Path
) -> None:
    env = {"SYNCD__CRM__ACCESS_TOKEN": TOKEN}
    shown = json.loads(_show(config, "-f", "json", **env))
    assert shown["config"]["crm"]["access_token"] == "***"
    assert shown["origins"]["crm.access_token"] == "env SYNCD__CRM__ACCESS_TOKEN"
    # A secret that also sits in a harmless-looking text is redacted there too.
    echoed = json.loads(_show(config, "-f", "json", SYNCD__DAEMON__INSTANCE_ID=f"x-{API_KEY}"))
    assert API_KEY not in echoed["config"]["daemon"]["instance_id"]


def test_toml_output_is_valid_toml_with_origin_comments(config: Path) -> None:
    text = _show(config)
    parsed = tomllib.loads(text)
    assert parsed["daemon"]["interval_seconds"] == 30
    assert "interval_seconds = 30 # file" in text.replace(".0 #", " #")
    assert "# instance_id: not set (default)" in text
    assert parsed["crm"]["match_contacts_by"] == ["email"]
    assert len(parsed["routing"]["rules"]) == 3


def test_a_broken_config_exits_2_with_the_problems(tmp_path: Path) -> None:
    path = _config(tmp_path, tmp_path / "missing-token")
    result = runner.invoke(app, ["config", "show", "-c", str(path)], env={})
    assert result.exit_code == 2
    assert "DELIGHTED_KEY is not set" in result.output
    assert "does not exist" in result.output


def test_version_comes_from_the_package_metadata() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"syncd {version('syncd')}"
    assert "Usage" in runner.invoke(app, []).output  # bare `syncd` still shows the help
