"""Config loading: every problem reported at once, env overrides, secrets, and the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectors.registry import Catalog
from syncd.config_loader import load_settings
from syncd.errors import ConfigError

ROOT = Path(__file__).parents[2]

BROKEN = """
[daemon]
interval_seconds = -5
timezone = "Mars/Olympus"

[sources.delighted]
kind = "delighted"
api_key = "env:MISSING_DELIGHTED_KEY"
page_size = 500
colour = "blue"

[sources.other]
kind = "typoform"

[crm]
kind = "hubspot"
access_token = "file:/nonexistent/token"

[[routing.rules]]
name = "r"
subject = "{nope}"
score_min = 9
score_max = 2
"""


def _load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> object:
    path = tmp_path / "syncd.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env or {}, Catalog())


def test_every_problem_is_reported_at_once_with_its_location(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, BROKEN)
    locations = {problem.location for problem in caught.value.problems}
    assert {
        "daemon.interval_seconds",
        "daemon.timezone",
        "sources.delighted.api_key",
        "sources.delighted.page_size",
        "sources.delighted.colour",
        "sources.other.kind",
        "crm.access_token",
        "routing.rules.0.subject",
    } <= locations
    message = str(caught.value)
    assert "MISSING_DELIGHTED_KEY is not set" in message
    assert "unknown source kind 'typoform'" in message


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        _load(tmp_path, "[daemon\n")


def test_env_overrides_and_secret_references(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("from-a-file\n", encoding="utf-8")
    text = (
        (ROOT / "syncd" / "sandbox" / "demo.toml")
        .read_text(encoding="utf-8")
        .replace('access_token = "sandbox-token"', f'access_token = "file:{secret}"')
    )
    env = {
        "SYNCD__DELIVERY__BATCH_SIZE": "7",
        "SYNCD__SOURCES__DELIGHTED__API_KEY": "env:DK",
        "DK": "key-from-env",
    }
    settings = _load(tmp_path, text, env)
    assert settings.delivery.batch_size == 7  # type: ignore[attr-defined]
    assert settings.sources["delighted"].model_extra["api_key"] == "key-from-env"  # type: ignore[attr-defined]
    assert settings.crm.model_extra["access_token"] == "from-a-file"  # type: ignore[attr-defined]


def test_shipped_configs_are_valid(tmp_path: Path) -> None:
    env = {"DELIGHTED_API_KEY": "k"}
    example = (ROOT / "config" / "syncd.example.toml").read_text(encoding="utf-8")
    token = tmp_path / "t"
    token.write_text("x", encoding="utf-8")
    _load(tmp_path, example.replace("/run/secrets/hubspot_token", str(token)), env)
    _load(tmp_path, (ROOT / "syncd" / "sandbox" / "demo.toml").read_text(encoding="utf-8"))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncd.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_config_validate_exits_non_zero_and_run_does_not_start(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(BROKEN.replace("[daemon]", f'[daemon]\ndata_dir = "{tmp_path}/d"'))
    validate = _cli("config", "validate", "--config", str(config), cwd=tmp_path)
    assert validate.returncode == 2
    assert "problem(s)" in validate.stderr and "daemon.timezone" in validate.stderr
    assert "sources.delighted.page_size" in validate.stderr
    run = _cli("run", "--once", "--config", str(config), cwd=tmp_path)
    assert run.returncode == 2
    assert not (tmp_path / "d").exists()  # no store was created: the daemon never started
    demo = ROOT / "syncd" / "sandbox" / "demo.toml"
    ok = _cli("config", "validate", "--config", str(demo), cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
