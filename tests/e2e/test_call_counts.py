"""HubSpot calls per pass, counted at the sandbox portal: an idle pass, and a steady stream."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo import Sandbox
from syncd.sandbox.world import seed
from tests.e2e.helpers import hubspot_of, sandbox_settings

SEARCH = "/crm/v3/objects/tasks/search"


def _paths(requests: list[tuple[str, str]]) -> Counter[str]:
    return Counter(path.rstrip("/") for _, path in requests)


def _stream(sandbox: Sandbox, fake: HubSpotFake, daemon: Daemon, passes: int) -> Counter[str]:
    """``passes`` passes with 50 new answers before each (10 a second, 5 s apart)."""
    rng = random.Random(5)
    owners = fake.owners()
    start = len(fake.requests)
    for batch in range(passes):
        for index in range(50):
            email = f"steady{batch}-{index}@client.example"
            fake.add_contact(email, owner_id=rng.choice(owners)["id"])
            sandbox.source.add_response(
                email=email, score=rng.randrange(11), created_at=utcnow() - timedelta(seconds=2)
            )
        daemon.run_once()
    return _paths(fake.requests[start:])


def test_an_idle_pass_costs_one_call_and_owners_are_not_listed_every_pass(
    tmp_path: Path,
) -> None:
    # Task changes read on every pass (the default reads them at most every 120 s).
    env = {"SYNCD__TRACKING__INTERVAL_SECONDS": "0"}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=20)
        fake = hubspot_of(sandbox)
        daemon = build_daemon(settings)
        daemon.run_once()  # the first pass lists the owners and delivers the backlog

        start = len(fake.requests)
        for _ in range(3):
            daemon.run_once()
        idle = _paths(fake.requests[start:])
        assert sum(idle.values()) == 3, idle  # one task-change search per pass, nothing else

        steady = _stream(sandbox, fake, daemon, 3)
        daemon.close()
        assert steady["/crm/v3/owners"] == 0  # within the owners' TTL
        for write in ("contacts/batch/read", "contacts/batch/update", "tasks/batch/create"):
            assert steady[f"/crm/v3/objects/{write}"] == 3, steady  # one batch per pass
        # Created with their association inline; untouched new tasks are not read back.
        assert steady["/crm/v3/objects/tasks/batch/upsert"] == 0, steady
        assert steady["/crm/v4/associations/tasks/contacts/batch/associate/default"] == 0
        assert steady[SEARCH] == 3, steady


def test_full_batches_and_a_tracking_interval_cost_three_calls_per_100_answers(
    tmp_path: Path,
) -> None:
    env = {
        "SYNCD__DELIVERY__FILL_WAIT_SECONDS": "3600",
        "SYNCD__TRACKING__INTERVAL_SECONDS": "3600",
    }
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        fake = hubspot_of(sandbox)
        for first in ("sam", "ann", "bo"):
            fake.add_owner(f"{first}@acme.example", first.title(), "Example")
        daemon = build_daemon(settings)
        daemon.run_once()  # owners, startup checks, the first task-change read

        steady = _stream(sandbox, fake, daemon, 4)  # 200 answers
        daemon.close()
        # The start-up check read the task key property: the first create does not read it again.
        assert steady["/crm/v3/properties/tasks/nps_task_key"] == 0, steady
        assert sum(steady.values()) == 6, steady  # 3.0 calls per 100 answers
        for write in ("contacts/batch/read", "contacts/batch/update", "tasks/batch/create"):
            assert steady[f"/crm/v3/objects/{write}"] == 2, steady  # two full batches of 100
        assert steady[SEARCH] == 0, steady  # the next read is due in an hour
        assert len(fake.tasks()) == 200
