"""HubSpot calls per pass, counted at the sandbox portal: an idle pass, and a steady stream."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from tests.e2e.helpers import hubspot_of, sandbox_settings


def _paths(requests: list[tuple[str, str]]) -> Counter[str]:
    return Counter(path.rstrip("/") for _, path in requests)


def test_an_idle_pass_costs_one_call_and_owners_are_not_listed_every_pass(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=20)
        fake = hubspot_of(sandbox)
        owners = fake.owners()
        daemon = build_daemon(settings)
        daemon.run_once()  # the first pass lists the owners and delivers the backlog

        start = len(fake.requests)
        for _ in range(3):
            daemon.run_once()
        idle = _paths(fake.requests[start:])
        assert sum(idle.values()) == 3, idle  # one task-change search per pass, nothing else

        rng = random.Random(5)
        start = len(fake.requests)
        for batch in range(3):  # answers keep arriving: 50 a pass
            for index in range(50):
                email = f"steady{batch}-{index}@client.example"
                fake.add_contact(email, owner_id=rng.choice(owners)["id"])
                sandbox.source.add_response(
                    email=email, score=rng.randrange(11), created_at=utcnow() - timedelta(seconds=2)
                )
            daemon.run_once()
        daemon.close()
        steady = _paths(fake.requests[start:])
        assert steady["/crm/v3/owners"] == 0  # within the owners' TTL
        for write in ("contacts/batch/read", "contacts/batch/update", "tasks/batch/upsert"):
            assert steady[f"/crm/v3/objects/{write}"] == 3, steady  # one batch per pass
