"""``syncd check``: one line per dependency, against the real store, source and CRM."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load
from syncd.sandbox.world import seed
from tests.e2e.helpers import hubspot_of, sandbox_settings, write_config
from tests.runtime.process import closed_port

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


class _Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        body = b"ok" if self.status == 200 else b"loop stalled"
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def healthz() -> Iterator[tuple[str, type[_Healthz]]]:
    handler = type("Handler", (_Healthz,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz", handler
    server.shutdown()
    server.server_close()


def _local(config: Path, url: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["check", "--local", "-c", str(config), "--healthz-url", url])
    return result.exit_code, result.stdout.splitlines()


def test_local_check_asks_the_store_and_the_loop_and_never_the_vendors(
    tmp_path: Path, healthz: tuple[str, type[_Healthz]]
) -> None:
    url, handler = healthz
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        config = write_config(settings, tmp_path / "syncd.toml")
        code, lines = _local(config, url)
        assert code == 1 and "syncd run" in lines[0]  # store not migrated yet
        build_daemon(load(config)).close()
        asked = len(hubspot_of(sandbox).requests)
        code, lines = _local(config, url)
        assert code == 0, lines
        assert [line.split(":")[0] for line in lines] == ["ok   store", "ok   daemon loop"]
        handler.status = 503
        code, lines = _local(config, url)
        assert code == 1 and "503 loop stalled" in lines[1]
        assert len(hubspot_of(sandbox).requests) == asked  # no CRM call, no allowance spent


def test_local_check_fails_when_nothing_answers_and_exits_2_on_a_broken_config(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (_sandbox, settings):
        config = write_config(settings, tmp_path / "syncd.toml")
        build_daemon(load(config)).close()
        code, lines = _local(config, f"http://127.0.0.1:{closed_port()}/healthz")
        assert code == 1 and lines[1].startswith("FAIL daemon loop: no answer from")
        config.write_text("[daemon]\nnope = 1\n", encoding="utf-8")
        assert _local(config, "http://127.0.0.1:1/healthz")[0] == 2
