"""``syncd check``: one line per dependency, against the real store, source and CRM."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from syncd.cli import app
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load
from syncd.sandbox.world import seed
from tests.e2e.helpers import hubspot_of, sandbox_settings, write_config

runner = CliRunner()


def _check(config: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["check", "-c", str(config)])
    return result.exit_code, result.stdout.splitlines()


def _failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


def test_check_passes_on_a_working_setup_and_names_each_dependency(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=5)
        config = write_config(settings, tmp_path / "syncd.toml")
        code, lines = _check(config)
        assert code == 1 and _failures(lines) == [lines[0]] and "syncd run" in lines[0]
        build_daemon(load(config)).close()  # migrates the store
        code, lines = _check(config)
        assert code == 0, lines
        text = "\n".join(lines)
        for expected in (
            "store",
            "source delighted",
            "token and contacts read access",
            "contact property 'nps_score'",
            "owners",
            "team 'Support'",
            "fallback owner 'sam@acme.example'",
        ):
            assert expected in text


def test_check_fails_on_a_missing_scope_a_misspelled_property_and_unknown_names(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=5)
        config = write_config(settings, tmp_path / "syncd.toml")
        build_daemon(load(config)).close()
        text = config.read_text(encoding="utf-8").replace("sam@acme.example", "nobody@acme.example")
        config.write_text(
            text
            + '[[routing.rules]]\nname = "everyone"\nteam = "Suport"\n'
            + '[crm.fields]\nscore = "nps_scor"\n',
            encoding="utf-8",
        )
        hubspot_of(sandbox).withhold_scope("/objects/tasks/search", "crm.objects.contacts.read")
        code, lines = _check(config)
        failures = "\n".join(_failures(lines))
        assert code == 1
        assert "tasks read access" in failures and "crm.objects.contacts.read" in failures
        assert "'nps_scor'" in failures and "does not exist" in failures
        assert "'Suport'" in failures and "nobody@acme.example" in failures
        assert len(_failures(lines)) == 4
