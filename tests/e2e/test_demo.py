"""``syncd demo`` as a user runs it: from any directory, never near a live store, on any port."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

#: A production config: the vendors' own APIs, a store full of state the demo must never touch.
PRODUCTION = """
[daemon]
data_dir = "{data_dir}"
[sources.delighted]
kind = "delighted"
api_key = "live-key"
[crm]
kind = "hubspot"
access_token = "live-token"
"""


DEMO = (sys.executable, "-m", "syncd.cli", "demo")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _demo(cwd: Path, *args: str, step: int = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """The demo with few answers; a coarse step (minutes) where the week's figures do not matter."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [*DEMO, "--responses", "8", "--step-minutes", str(step), *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def _live_store(tmp_path: Path) -> tuple[Path, Path]:
    """A populated store and the production config naming it."""
    store = tmp_path / "live"
    (store / "backups").mkdir(parents=True)
    (store / "syncd.db").write_bytes(b"SQLite format 3\x00 live state")
    (store / "backups" / "yesterday.db").write_bytes(b"more live state")
    config = tmp_path / "production.toml"
    config.write_text(PRODUCTION.format(data_dir=store), encoding="utf-8")
    return store, config


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@contextmanager
def _held_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_demo_runs_from_an_empty_directory_without_a_config(tmp_path: Path) -> None:
    cwd = tmp_path / "anywhere"
    result = _demo(cwd, step=15)
    assert result.returncode == 0, result.stderr
    home = cwd / "syncd-demo"
    assert f"Demo directory: {home}" in result.stdout
    assert f"HTML report: {home / 'report.html'}" in result.stdout
    assert f"Store: sqlite:///{home / 'syncd.db'}" in result.stdout
    assert (home / "report.html").is_file() and (home / ".syncd-demo").is_file()
    assert "Sandbox survey API (Delighted-compatible): http://127.0.0.1:" in result.stdout
    # The sandbox CRM starts without syncd's properties, as a real account does.
    assert (
        "CRM setup (`syncd crm setup`): the sandbox CRM starts without syncd's fields"
        in result.stdout
    )
    assert " 0 created" not in result.stdout
    _assert_a_simulated_week(home, result.stdout)


@pytest.mark.parametrize("crm", ["salesforce"])
def test_demo_runs_its_week_against_every_crm_fake(tmp_path: Path, crm: str) -> None:
    cwd = tmp_path / "anywhere"
    result = _demo(cwd, "--crm", crm, step=15)
    assert result.returncode == 0, result.stderr
    assert f"Sandbox CRM ({crm.capitalize()}-compatible)" in result.stdout
    _assert_a_simulated_week(cwd / "syncd-demo", result.stdout)


#: The simulated time between two of the demo's passes.
STEP_MS = 15 * 60 * 1000
DAY_MS = 24 * 60 * 60 * 1000


def _assert_a_simulated_week(home: Path, stdout: str) -> None:
    """Answers arrived over several simulated days, each got its task within a pass or two,
    and the CRM's users' work came back to syncd: what the store recorded, not the narration."""
    days = re.findall(r"^   \w{3} \d\d \w{3}: +(\d+) answers", stdout, re.MULTILINE)
    assert len(days) == 7
    assert sum(int(count) for count in days) == 8
    tracked = re.search(r"(\d+) task changes tracked", stdout)
    assert tracked is not None and int(tracked.group(1)) > 0
    assert "syncd passes every 15 simulated minutes (672 passes" in stdout
    assert "answer to task (from the customer's answer to its task in the CRM" in stdout
    with sqlite3.connect(home / "syncd.db") as db:
        rows = db.execute(
            "SELECT response_ms, task_created_ms, closed_ms FROM loops"
            " WHERE task_created_ms IS NOT NULL"
        ).fetchall()
    assert rows
    waits = [created - answered for answered, created, _ in rows]
    assert all(0 <= wait <= 2 * STEP_MS for wait in waits), waits
    answered = sorted(answered for answered, _, _ in rows)
    assert len({ms // DAY_MS for ms in answered}) >= 3
    assert answered[-1] - answered[0] >= 2 * DAY_MS
    closed = [c - a for a, t, c in rows if c is not None]
    assert closed and all(wait > 0 for wait in closed)  # closed by users, after the answer


def test_demo_leaves_the_store_of_the_environments_config_untouched(tmp_path: Path) -> None:
    # What a container sets for its live store; the demo must neither read nor empty it.
    store, config = _live_store(tmp_path)
    before = _snapshot(store)
    result = _demo(tmp_path / "work", SYNCD_CONFIG=str(config), SYNCD__DAEMON__DATA_DIR=str(store))
    assert _snapshot(store) == before
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "work" / "syncd-demo" / "syncd.db").is_file()


def test_demo_refuses_a_config_that_is_not_the_sandbox(tmp_path: Path) -> None:
    store, config = _live_store(tmp_path)
    before = _snapshot(store)
    result = _demo(tmp_path / "work", "--config", str(config))
    assert _snapshot(store) == before
    assert result.returncode == 2
    assert "sources.delighted.base_url: not set, so the vendor's API" in result.stderr
    assert "crm.base_url: not set, so the vendor's API" in result.stderr
    assert "the demo only talks to its own fakes on 127.0.0.1" in result.stderr
    assert not (tmp_path / "work" / "syncd-demo").exists()


def test_demo_never_empties_a_directory_it_did_not_create(tmp_path: Path) -> None:
    store, _ = _live_store(tmp_path)
    before = _snapshot(store)
    result = _demo(tmp_path / "work", "--data-dir", str(store))
    assert result.returncode == 2
    assert f"{store} is not empty and has no .syncd-demo marker" in result.stderr
    assert _snapshot(store) == before


def test_demo_ignores_the_data_dir_its_config_names(tmp_path: Path) -> None:
    store, _ = _live_store(tmp_path)
    before = _snapshot(store)
    sandbox_config = Path(__file__).parents[2] / "syncd" / "sandbox" / "demo.toml"
    text = sandbox_config.read_text(encoding="utf-8")
    config = tmp_path / "sandbox.toml"
    config.write_text(text.replace('"syncd-sandbox"', f'"{store}"'), encoding="utf-8")
    result = _demo(tmp_path / "work", "--config", str(config))
    assert _snapshot(store) == before
    assert result.returncode == 0, result.stderr


def test_taken_ports_fall_back_to_free_ones_and_the_output_says_so(tmp_path: Path) -> None:
    with _held_port() as port:
        result = _demo(tmp_path / "work", "--source-port", str(port), "--crm-port", str(port))
    assert result.returncode == 0, result.stderr
    assert f"Port {port} is in use, so the sandbox survey API serves on" in result.stdout
    assert f"Port {port} is in use, so the sandbox CRM serves on" in result.stdout
    assert f"127.0.0.1:{port}" not in result.stdout


def test_two_demos_at_once_both_succeed(tmp_path: Path) -> None:
    # Both name the sandbox config, whose URLs carry fixed ports: the demo serves free ones.
    config = str(Path(__file__).parents[2] / "syncd" / "sandbox" / "demo.toml")
    command = [sys.executable, "-m", "syncd.cli", "demo", "--config", config, "--responses", "40"]
    command += ["--step-minutes", "60"]
    runs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        runs.append(
            subprocess.Popen(
                command,
                cwd=tmp_path / name,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for run in runs:
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
    assert (tmp_path / "one" / "syncd-demo" / "report.html").is_file()
    assert (tmp_path / "two" / "syncd-demo" / "report.html").is_file()


def test_sandbox_serves_on_a_free_port_when_its_own_is_taken(tmp_path: Path) -> None:
    with _held_port() as port:
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "syncd.cli", "sandbox", "--source-port", str(port)],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert sandbox.stdout is not None
            lines = [sandbox.stdout.readline() for _ in range(5)]
        finally:
            sandbox.send_signal(signal.SIGINT)
            _, stderr = sandbox.communicate(timeout=30)
    assert sandbox.returncode == 0, stderr
    assert f"Port {port} is in use, so the sandbox survey API serves on" in lines[3]
    hint = lines[4]
    assert "SYNCD__SOURCES__DELIGHTED__BASE_URL=http://127.0.0.1:" in hint
    assert "SYNCD__CRM__BASE_URL" not in hint  # the CRM got the port its config names
    assert hint.rstrip().endswith(str(Path("syncd", "sandbox", "demo.toml")))
