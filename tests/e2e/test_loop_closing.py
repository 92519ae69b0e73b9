"""The daemon escalates an overdue detractor task, records how it closed, and announces it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from syncd.clock import utcnow
from syncd.loop_settings import EscalationSettings, EventSettings
from syncd.runtime.compose import build_daemon
from tests.e2e.helpers import delighted_of, hubspot_of, sandbox_settings
from tests.pipeline.flow import loop

SECRET = "e2e-hook-secret"


@pytest.fixture
def hooks() -> Iterator[tuple[list[tuple[dict[str, str], bytes]], str]]:
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield got, f"http://127.0.0.1:{server.server_port}/nps"
    finally:
        server.shutdown()
        server.server_close()


def test_overdue_task_goes_to_the_lead_and_its_closing_is_announced(
    tmp_path: Path, hooks: tuple[list[tuple[dict[str, str], bytes]], str]
) -> None:
    got, url = hooks
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot, delighted = hubspot_of(sandbox), delighted_of(sandbox)
        owner = hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        lead = hubspot.add_owner("lea@acme.example", "Lea", "Lead", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example", owner_id=owner)
        response_id = delighted.add_response(email="dana@client.example", score=2)
        routing = settings.routing.model_copy(
            update={
                "escalation": EscalationSettings(
                    after_hours=8, action="reassign", to="LEA@acme.example"
                )
            }
        )
        events = EventSettings(url=url, secret=SecretStr(SECRET))
        daemon = build_daemon(settings.model_copy(update={"routing": routing, "events": events}))
        daemon.run_once()
        (task,) = hubspot.tasks_for_contact(contact_id)
        assert task["properties"]["hubspot_owner_id"] == owner

        now = utcnow()
        daemon.clock = lambda: now + timedelta(days=10)
        daemon.run_once()  # escalated and sent in the same pass
        (task,) = hubspot.tasks_for_contact(contact_id)
        assert task["properties"]["hubspot_owner_id"] == lead
        assert task["properties"]["hs_task_subject"].startswith("Detractor follow-up")
        record = loop(daemon.engine, response_id)
        assert record["escalation"] == "reassign"
        daemon.run_once()  # once per loop: nothing more
        assert len([p for _, p in hubspot.requests if p.endswith("/tasks/batch/update")]) == 1

        body = task["properties"]["hs_task_body"]
        hubspot.complete_task(task["id"], hs_task_body=body + "<p>Called; fixed the export.</p>")
        daemon.clock = lambda: utcnow() + timedelta(days=10)
        daemon.run_once()
        record = loop(daemon.engine, response_id)
        assert record["closed_ms"] is not None and record["outcome"] == "note"
        ((headers, raw),) = got
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["x-syncd-signature"] == expected
        event = json.loads(raw)
        assert (event["response_id"], event["category"], event["owner_id"]) == (
            response_id,
            "detractor",
            lead,
        )
        assert event["outcome"] == "note" and "comment" not in event
        daemon.close()
