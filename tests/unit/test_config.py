"""Config loading: every problem reported at once, env overrides, secrets, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncd.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, **(env or {})},
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


# --- holes: each of these used to pass validation or be reported badly ----------------------

MINIMAL = """
[daemon]
data_dir = "{data_dir}"

[sources.delighted]
kind = "delighted"
api_key = "env:DELIGHTED_API_KEY"

[crm]
kind = "hubspot"
access_token = "a-token-long-enough"
"""
KEY = {"DELIGHTED_API_KEY": "a-key-long-enough"}


def _minimal(tmp_path: Path, extra: str = "", **tables: str) -> str:
    text = MINIMAL.format(data_dir=tmp_path / "data") + extra
    for table, lines in tables.items():
        text = text.replace(f"[{table}]\n", f"[{table}]\n{lines}\n", 1)
    return text


def _problems(tmp_path: Path, text: str, env: dict[str, str]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text, env)
    problems = caught.value.problems
    locations = [problem.location for problem in problems]
    assert len(locations) == len(set(locations)), f"a problem is reported twice: {problems}"
    return {problem.location: problem.message for problem in problems}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://", "no host"),
        ("https://", "no host"),
        ("https://api hubapi.com", "space"),
        (" https://api.hubapi.com", "space"),
        ("https://api.hubapi.com:99999", "port"),
        ("https://api.hubapi.com:abc", "port"),
        ("ftp://api.hubapi.com", "http:// or https://"),
    ],
)
@pytest.mark.parametrize("where", ["crm", "sources.delighted"])
def test_bad_base_urls_are_rejected_naming_field_and_value(
    tmp_path: Path, url: str, why: str, where: str
) -> None:
    text = _minimal(tmp_path, **{where: f'base_url = "{url}"'})
    problems = _problems(tmp_path, text, KEY)
    assert set(problems) == {f"{where}.base_url"}
    assert why in problems[f"{where}.base_url"]
    assert repr(url) in problems[f"{where}.base_url"]


def test_good_base_urls_lose_their_trailing_slash(tmp_path: Path) -> None:
    text = _minimal(tmp_path, crm='base_url = "http://[::1]:8080/"')
    settings = _load(tmp_path, text, KEY)
    assert settings.crm.model_extra["base_url"] == "http://[::1]:8080/"  # type: ignore[attr-defined]
    model = Catalog().settings_model("crm", "hubspot")
    assert model is not None
    options = settings.crm.model_extra  # type: ignore[attr-defined]
    assert model.model_validate(options).base_url == "http://[::1]:8080"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/syncd", "postgres://u@h/db", "oracle://x", "not a url"]
)
def test_unsupported_database_url_is_rejected(tmp_path: Path, url: str) -> None:
    problems = _problems(tmp_path, _minimal(tmp_path, daemon=f'database_url = "{url}"'), KEY)
    assert set(problems) == {"daemon.database_url"}
    assert "sqlite" in problems["daemon.database_url"]
    assert "postgresql" in problems["daemon.database_url"]


@pytest.mark.parametrize(
    "url", ["sqlite:///{tmp}/x.db", "postgresql://syncd@db:5432/syncd", "postgresql+psycopg://h/d"]
)
def test_supported_database_urls_pass(tmp_path: Path, url: str) -> None:
    text = _minimal(tmp_path, daemon=f'database_url = "{url.format(tmp=tmp_path)}"')
    _load(tmp_path, text, KEY)


def test_uncreatable_data_dir_is_rejected(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    text = MINIMAL.format(data_dir=blocker / "data")
    problems = _problems(tmp_path, text, KEY)
    assert set(problems) == {"daemon.data_dir"}
    assert str(blocker) in problems["daemon.data_dir"]
    assert "not a directory" in problems["daemon.data_dir"]


def test_validate_leaves_no_data_dir_behind(tmp_path: Path) -> None:
    _load(tmp_path, MINIMAL.format(data_dir=tmp_path / "new" / "deeper"), KEY)
    assert not (tmp_path / "new").exists()


def test_missing_secret_is_reported_once_and_clearly(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _minimal(tmp_path), {})
    assert problems == {
        "sources.delighted.api_key": "environment variable DELIGHTED_API_KEY is not set"
    }


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p, "is a directory"),
        (lambda p: _write(p / "empty", "\n"), "is empty"),
    ],
)
def test_secret_file_problem_names_path_and_why(tmp_path: Path, make: object, why: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    text = _minimal(tmp_path).replace('"a-token-long-enough"', f'"file:{path}"')
    problems = _problems(tmp_path, text, KEY)
    assert set(problems) == {"crm.access_token"}
    assert f"secret file {path} {why}" in problems["crm.access_token"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "value", "location", "shown"),
    [
        ("SYNCD__DELIVERY__BATCH_SIZE", "abc", "delivery.batch_size", "=abc"),
        ("SYNCD__DAEMON__TIMEZONE", "Mars/Olympus", "daemon.timezone", "=Mars/Olympus"),
        ("SYNCD__SOURCES__DELIGHTED__PAGE_SIZE", "500", "sources.delighted.page_size", "=500"),
        ("SYNCD__DELIVERY__COLOUR", "blue", "delivery.colour", "=blue"),
        ("SYNCD__CRM__ACCESS_TOKEN", "", "crm.access_token", "=<hidden>"),
    ],
)
def test_problems_from_env_overrides_name_the_variable(
    tmp_path: Path, name: str, value: str, location: str, shown: str
) -> None:
    problems = _problems(tmp_path, _minimal(tmp_path), {**KEY, name: value})
    assert set(problems) == {location}
    assert problems[location].startswith(f"{name}{shown}: ")


def test_env_overrides_follow_the_type_of_the_field(tmp_path: Path) -> None:
    env = {
        **KEY,
        "SYNCD__ROUTING__FALLBACK_OWNER": "12345",
        "SYNCD__DAEMON__INSTANCE_ID": "true",
        "SYNCD__CRM__ACCESS_TOKEN": "1234567890",
        "SYNCD__DELIVERY__BATCH_SIZE": "7",
        "SYNCD__TRACKING__ENABLED": "false",
        "SYNCD__SOURCES__DELIGHTED__SURVEY_TYPES": '["nps", "ces"]',
        "SYNCD__ROUTING__WORKDAYS": "[0, 1, 2]",
    }
    settings: Any = _load(tmp_path, _minimal(tmp_path), env)
    assert settings.routing.fallback_owner == "12345"
    assert settings.daemon.instance_id == "true"
    assert settings.crm.model_extra["access_token"] == "1234567890"
    assert settings.delivery.batch_size == 7
    assert settings.tracking.enabled is False
    assert settings.sources["delighted"].model_extra["survey_types"] == ["nps", "ces"]
    assert settings.routing.workdays == (0, 1, 2)


def test_run_with_broken_store_exits_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    # Nothing listens on port 1: the store cannot be opened.
    url = "postgresql://syncd:hunter2-password@127.0.0.1:1/syncd"
    config.write_text(
        _minimal(tmp_path, daemon=f'database_url = "{url}"\nconnect_timeout_seconds = 0'),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "syncd.cli", "run", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        env={**os.environ, **KEY},
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "cannot reach the store" in lines[0]
    assert "127.0.0.1:1" in lines[0]
    assert "hunter2" not in run.stderr


def test_run_with_uncreatable_data_dir_exits_with_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    config = tmp_path / "syncd.toml"
    config.write_text(MINIMAL.format(data_dir=blocker / "data"), encoding="utf-8")
    run = _cli("run", "--once", "--config", str(config), cwd=tmp_path, env=KEY)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "daemon.data_dir" in run.stderr
