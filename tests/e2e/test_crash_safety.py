"""Exactly-once effect across crashes: SIGKILL mid-run, and a create whose outcome is unknown."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.demo import Sandbox
from syncd.sandbox.http import Request, Response
from syncd.sandbox.world import seed
from tests.e2e.helpers import (
    expected_task_contacts,
    sandbox_settings,
    task_counts,
    write_config,
)


def _syncd(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncd.cli", "run", "--config", str(config), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _slow_task_creates(sandbox: Sandbox) -> None:
    """Answer task creates 0.3 s after making them, so kills land in the unknown-outcome window."""
    server = sandbox.servers[1]._server
    create = server.app

    def slow(request: Request) -> Response:
        response = create(request)
        if request.path.endswith("/tasks/batch/create"):
            time.sleep(0.3)
        return response

    server.app = slow


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_delivers_every_response_exactly_once(
    tmp_path: Path,
) -> None:
    env = {
        "SYNCD__DELIVERY__BATCH_SIZE": "4",
        "SYNCD__DELIVERY__LEASE_SECONDS": "1",
        "SYNCD__DAEMON__INTERVAL_SECONDS": "0.5",
    }
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        world = seed(sandbox.delighted, sandbox.hubspot, now=utcnow(), responses=160)
        _slow_task_creates(sandbox)
        config = write_config(settings, tmp_path / "syncd.toml")
        rng = random.Random(5)
        for _ in range(5):
            daemon = _syncd(config)
            time.sleep(rng.uniform(3.5, 6.0))  # startup (imports, migrations) takes ~3 s
            daemon.send_signal(signal.SIGKILL)
            daemon.wait(timeout=10)
        # A clean restart finishes the work (rate limits hit by the restarts may delay it),
        # and SIGTERM then stops it cleanly.
        expected = expected_task_contacts(world)
        served = len(sandbox.hubspot.requests)
        daemon = _syncd(config)
        deadline = time.monotonic() + 90
        # Until the work is done and this daemon has made a call (so its signal handlers are in
        # place: the killed runs may already have finished everything).
        while time.monotonic() < deadline and (
            len(task_counts(sandbox)) < len(expected) or len(sandbox.hubspot.requests) == served
        ):
            time.sleep(0.5)
        time.sleep(1.0)  # one more pass: nothing further may be created
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        for email in {world.responses[rid] for rid in world.responses} & set(world.contacts):
            contact = sandbox.hubspot.contact_by_email(email)
            assert contact is not None and contact["properties"].get("nps_score")


def test_create_with_unknown_outcome_is_reconciled_not_repeated(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot = sandbox.hubspot
        hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example")
        sandbox.delighted.add_response(email="dana@client.example", score=2)
        # HubSpot creates the task, then the connection drops before the answer arrives.
        hubspot.inject("/tasks/batch/create", 500, after_processing=True)
        daemon = build_daemon(settings)
        first = daemon.run_once()
        assert first.deliver.tasks_created == 0 and first.deliver.retried == 1
        assert len(hubspot.tasks_for_contact(contact_id)) == 1
        daemon.close()
        # A restarted daemon retries after the backoff: it must find the task, not create one.
        again = build_daemon(settings)
        deadline = time.monotonic() + 30
        reconciled = 0
        while time.monotonic() < deadline and not reconciled:
            reconciled = again.run_once().deliver.tasks_reconciled
            time.sleep(0.5)
        assert reconciled == 1
        assert len(hubspot.tasks_for_contact(contact_id)) == 1
        again.close()


def test_crm_rate_limit_and_outage_delay_but_lose_nothing(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DELIVERY__BACKOFF_BASE_SECONDS="0.1") as (
        sandbox,
        settings,
    ):
        hubspot = sandbox.hubspot
        hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example")
        sandbox.delighted.add_response(email="dana@client.example", score=2)
        hubspot.inject("/contacts/batch/update", 503, times=2)
        hubspot.inject("/tasks/batch/create", 429, times=1, retry_after=0.1)
        daemon = build_daemon(settings)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not hubspot.tasks_for_contact(contact_id):
            daemon.run_once()
            time.sleep(0.3)
        assert len(hubspot.tasks_for_contact(contact_id)) == 1
        contact = hubspot.contact_by_email("dana@client.example")
        assert contact is not None and contact["properties"]["nps_score"] == "2"
        daemon.close()
