"""Exactly-once effect across crashes, lost answers, late writes and a lost store.

Task creation is idempotent at the CRM port (HubSpot: an upsert keyed by a unique task
property), so each of these ends with exactly one task per answer without any lookup.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo import Sandbox
from syncd.sandbox.http import Request, Response
from syncd.sandbox.world import seed
from syncd.store.outbox import ActionKind, Status
from syncd.store.schema import loops, outbox
from tests.e2e.helpers import (
    delighted_of,
    expected_task_contacts,
    hubspot_of,
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
    """Answer task writes 0.3 s after making them, so kills land in the unknown-outcome window."""
    server = sandbox.servers[1]._server
    create = server.app

    def slow(request: Request) -> Response:
        response = create(request)
        if request.path.endswith(("/tasks/batch/create", "/tasks/batch/upsert")):
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
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=160)
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
        daemon = _syncd(config)
        asked = len(hubspot_of(sandbox).requests)
        deadline = time.monotonic() + 90
        # Until every task exists and this process has called the CRM (so it is up and handles
        # SIGTERM: the kills may have left nothing to do).
        while time.monotonic() < deadline and (
            len(task_counts(sandbox)) < len(expected) or len(hubspot_of(sandbox).requests) == asked
        ):
            time.sleep(0.5)
        time.sleep(1.0)  # one more pass: nothing further may be created
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        assert len(hubspot_of(sandbox).tasks()) == len(expected)  # no unlinked strays either
        for email in {world.responses[rid] for rid in world.responses} & set(world.contacts):
            contact = hubspot_of(sandbox).contact_by_email(email)
            assert contact is not None and contact["properties"].get("nps_score")


def test_create_with_lost_answers_is_sent_again_not_repeated(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot = hubspot_of(sandbox)
        hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example")
        delighted_of(sandbox).add_response(email="dana@client.example", score=2)
        # HubSpot writes the task each time, then the answer is lost: the create, then the
        # upsert that settles it and its three inline retries, so the outcome stays unknown.
        hubspot.inject("/tasks/batch/create", 500, times=1, after_processing=True)
        hubspot.inject("/tasks/batch/upsert", 500, times=4, after_processing=True)
        daemon = build_daemon(settings)
        first = daemon.run_once()
        assert first.deliver.tasks_created == 0 and first.deliver.retried == 1
        assert len(hubspot.tasks()) == 1  # written (and linked), but its answer never came
        daemon.close()
        # A restarted daemon sends the create again after the backoff: the same task answers.
        again = build_daemon(settings)
        deadline = time.monotonic() + 30
        created = 0
        while time.monotonic() < deadline and not created:
            created = again.run_once().deliver.tasks_created
            time.sleep(0.5)
        assert created == 1
        assert len(hubspot.tasks()) == 1
        assert len(hubspot.tasks_for_contact(contact_id)) == 1
        again.close()


def _open_creates(daemon: Daemon) -> int:
    with daemon.engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.kind == ActionKind.CREATE_TASK.value,
                outbox.c.status.in_([Status.PENDING.value, Status.IN_FLIGHT.value]),
            )
        ).scalar_one()


SLOW_COMMIT_SECONDS = 4.0


def test_slow_commits_leave_exactly_one_task_per_answer(tmp_path: Path) -> None:
    # 30% of task writes land 4 s after the client's 0.3 s timeout ran out: after the client
    # sent them again, and after any lookup could have looked for them.
    env = {
        "SYNCD__CRM__TIMEOUT_SECONDS": "0.3",
        "SYNCD__DELIVERY__BATCH_SIZE": "10",
        "SYNCD__DELIVERY__BACKOFF_BASE_SECONDS": "0.05",
    }
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=60)
        slow = hubspot_of(sandbox).slow_commits(
            0.3, SLOW_COMMIT_SECONDS, paths=("/tasks/",), seed=3
        )
        expected = expected_task_contacts(world)
        with closing(build_daemon(settings)) as daemon:
            deadline = time.monotonic() + 120
            daemon.run_once()
            while time.monotonic() < deadline and _open_creates(daemon):
                time.sleep(0.1)
                daemon.run_once()
            time.sleep(SLOW_COMMIT_SECONDS + 0.5)  # every late write has landed
            assert _open_creates(daemon) == 0 and slow.count > 0
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        assert len(hubspot_of(sandbox).tasks()) == len(expected)


def test_a_lost_store_creates_no_second_task(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=40)
        expected = expected_task_contacts(world)
        with closing(build_daemon(settings)) as daemon:
            daemon.run_once()
        first = {task["id"] for task in hubspot_of(sandbox).tasks()}
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        shutil.rmtree(settings.daemon.data_dir)  # the store is lost; the CRM keeps its tasks
        with closing(build_daemon(settings)) as fresh:
            fresh.run_once()
            with fresh.engine.connect() as conn:
                linked = set(conn.execute(select(loops.c.task_id)).scalars()) - {None}
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        assert len(hubspot_of(sandbox).tasks()) == len(expected)
        assert linked == first  # the fresh store found the tasks made before, and tracks them


def test_crm_rate_limit_and_outage_delay_but_lose_nothing(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DELIVERY__BACKOFF_BASE_SECONDS="0.1") as (
        sandbox,
        settings,
    ):
        hubspot = hubspot_of(sandbox)
        hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example")
        delighted_of(sandbox).add_response(email="dana@client.example", score=2)
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
