"""A batch stalled in a slow CRM call keeps its claims: no other replica can take it over."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine, select

from syncd.clock import to_ms, utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.daemon import PassSummary
from syncd.runtime.demo import Sandbox
from syncd.sandbox.http import Request, Response
from syncd.store import outbox
from syncd.store.outbox import ActionKind, Status
from syncd.store.schema import outbox as outbox_table
from tests.e2e.helpers import delighted_of, hubspot_of, sandbox_settings

STALL_SECONDS = 3.0


def _stall_task_creates(sandbox: Sandbox) -> None:
    server = sandbox.servers[1]._server
    handle = server.app

    def slow(request: Request) -> Response:
        if request.path.endswith("/tasks/batch/create"):
            time.sleep(STALL_SECONDS)  # e.g. waiting out Retry-After pauses
        return handle(request)

    server.app = slow


def _create_in_flight(engine: Engine) -> bool:
    with engine.connect() as conn:
        status = conn.execute(
            select(outbox_table.c.status).where(outbox_table.c.kind == ActionKind.CREATE_TASK.value)
        ).scalar()
    return status == Status.IN_FLIGHT.value


def test_claims_are_renewed_while_a_batch_is_stalled(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data", SYNCD__DELIVERY__LEASE_SECONDS="1") as (
        sandbox,
        settings,
    ):
        hubspot_of(sandbox).add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot_of(sandbox).add_contact("dana@client.example")
        delighted_of(sandbox).add_response(email="dana@client.example", score=2)
        _stall_task_creates(sandbox)
        daemon = build_daemon(settings)
        summaries: list[PassSummary] = []
        worker = threading.Thread(target=lambda: summaries.append(daemon.run_once()))
        worker.start()
        deadline = time.monotonic() + 30
        while not _create_in_flight(daemon.engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)  # twice the claim's lease: only renewal keeps it
        with daemon.engine.begin() as conn:
            taken = outbox.claim(
                conn, "hubspot", ActionKind.CREATE_TASK, "intruder", 10, to_ms(utcnow()), 1000
            )
        worker.join(timeout=60)
        daemon.close()
        assert taken == []
        assert summaries[0].deliver.tasks_created == 1
        assert len(hubspot_of(sandbox).tasks_for_contact(contact_id)) == 1
