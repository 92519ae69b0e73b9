"""The portal's daily allowance runs out mid-run: delivery pauses, spends nothing, resumes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sqlalchemy as sa

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load
from syncd.sandbox.http import LoopbackServer, Request, Response
from syncd.sandbox.world import seed
from syncd.store.outbox import Status
from syncd.store.schema import outbox
from tests.e2e.helpers import (
    expected_task_contacts,
    hubspot_of,
    sandbox_settings,
    task_counts,
    write_config,
)

#: HubSpot's daily 429, as a portal over its allowance answers; a short Retry-After keeps the
#: test quick (without one the pause lasts until the next whole hour).
DAILY_BODY = {
    "status": "error",
    "message": "You have reached your daily limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "DAILY",
}
DAILY_HEADERS = {
    "X-HubSpot-RateLimit-Daily": "250000",
    "X-HubSpot-RateLimit-Daily-Remaining": "0",
    # Long enough that the second pass, even on a loaded machine, still falls inside the pause.
    "Retry-After": "6",
}


class DailyGate:
    """The fake portal behind a daily allowance that is spent while ``spent`` is True."""

    def __init__(self, fake: HubSpotFake) -> None:
        self.fake = fake
        self.spent = False
        self.refused = 0

    def __call__(self, request: Request) -> Response:
        if self.spent:
            self.refused += 1
            return Response(429, json.loads(json.dumps(DAILY_BODY)), dict(DAILY_HEADERS))
        return self.fake(request)


def _outbox(engine: sa.Engine) -> tuple[set[str], int]:
    with engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(sa.select(outbox.c.status).distinct())}
        attempts = conn.execute(sa.select(sa.func.max(outbox.c.attempts))).scalar()
    return statuses, int(attempts or 0)


def test_a_spent_daily_allowance_pauses_delivery_and_it_resumes_without_dead_letters(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=20)
        gate = DailyGate(hubspot_of(sandbox))
        with LoopbackServer(gate) as portal:
            config = write_config(settings, tmp_path / "syncd.toml")
            text = config.read_text(encoding="utf-8")
            crm_url = (settings.crm.model_extra or {})["base_url"]
            config.write_text(text.replace(f'"{crm_url}"', f'"{portal.base_url}"'), "utf-8")
            daemon = build_daemon(load(config))  # the startup check passes: allowance left
            gate.spent = True

            paused = daemon.run_once()
            assert any("daily API allowance is used up" in e for e in paused.errors)
            # The first refusal pauses every later call; each of the two delivery lanes may
            # have had one call under way when it came.
            refused = gate.refused
            assert 1 <= refused <= 2
            statuses, attempts = _outbox(daemon.engine)
            assert Status.DEAD not in statuses and attempts == 0

            daemon.run_once()  # still paused: nothing is sent at all
            assert gate.refused == refused

            gate.spent = False
            time.sleep(6.1)  # the pause the portal asked for
            resumed = daemon.run_once()
            daemon.close()
        assert resumed.errors == []
        statuses, _ = _outbox(daemon.engine)
        assert Status.DEAD not in statuses
        assert task_counts(sandbox) == dict.fromkeys(expected_task_contacts(world), 1)
