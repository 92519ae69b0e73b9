"""A closed detractor loop sends one signed event, at least once, retried until taken."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select

from syncd.clock import to_ms
from syncd.loop_settings import EventSettings
from syncd.model import TaskChange, TaskState
from syncd.pipeline.events import send_due
from syncd.pipeline.track import track_tasks
from syncd.settings import TrackingSettings
from syncd.store import events as event_store
from syncd.store.schema import events as events_table
from tests.pipeline.flow import T0, answer, deliver, plan
from tests.pipeline.test_outcomes import TrackedCrm

SECRET = "whsec-test-123"
DONE = T0 + timedelta(hours=3)
#: Scripted answers: a status code, or "hang" (answer after the client gave up).
Script = list["int | str"]


@dataclass
class Receiver:
    """A local receiver on a free port, answering from ``script`` and keeping what it got."""

    script: Script
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            step = state.script.pop(0) if state.script else 200
            if step == "hang":
                state.release.wait(5)
                return
            self.send_response(int(step))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/hooks/nps"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def _settings(url: str, **options: object) -> EventSettings:
    values: dict[str, object] = {
        "url": url,
        "secret": SecretStr(SECRET),
        "timeout_seconds": 0.3,
        **options,
    }
    return EventSettings.model_validate(values)


def _closed(engine: Engine, settings: EventSettings) -> None:
    """A detractor (r1, with a comment) and a promoter (r2) answer; both tasks are completed."""
    crm = TrackedCrm()
    crm.add("c1", "ann@x.example", "o-1")
    crm.add("c2", "bob@x.example", "o-2")
    plan(
        engine,
        answer("r1", comment="Support never called back"),
        answer("r2", score=10, email="bob@x.example"),
    )
    deliver(engine, crm)
    crm.changes = [
        TaskChange("task-1", TaskState.COMPLETED, DONE, completed_at=DONE, outcome="Resolved"),
        TaskChange("task-2", TaskState.COMPLETED, DONE, completed_at=DONE),
    ]
    result = track_tasks(engine, crm, TrackingSettings(), now=DONE, events=settings)
    assert (len(result.closed), result.events) == (2, 1)


def _signed(headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["x-syncd-signature"], expected)


def test_failures_are_retried_with_one_event_id_until_taken(
    engine: Engine, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    settings = _settings(url)
    _closed(engine, settings)
    state.script = [500, "hang", 200]

    first = send_due(engine, settings, to_ms(DONE))
    assert (first.sent, first.retried) == (0, 1)
    assert send_due(engine, settings, to_ms(DONE)).retried == 0  # waits for its backoff
    second = send_due(engine, settings, to_ms(DONE + timedelta(hours=2)))
    assert second.retried == 1  # the receiver hung past the timeout
    third = send_due(engine, settings, to_ms(DONE + timedelta(hours=4)))
    assert third.sent == 1
    assert send_due(engine, settings, to_ms(DONE + timedelta(days=9))).sent == 0  # sent once

    assert len(state.got) == 3
    assert len({headers["x-syncd-event-id"] for headers, _ in state.got}) == 1
    assert all(_signed(headers, body) for headers, body in state.got)
    assert all(headers["x-syncd-timestamp"].isdigit() for headers, _ in state.got)
    body = json.loads(state.got[-1][1])
    assert body["event_id"] == state.got[-1][0]["x-syncd-event-id"]
    assert {k: body[k] for k in ("type", "source", "response_id", "score", "category")} == {
        "type": "loop.closed",
        "source": "d",
        "response_id": "r1",
        "score": 3,
        "category": "detractor",
    }
    assert (body["contact_id"], body["task_id"]) == ("c1", "task-1")
    assert "owner_id" in body and "survey" in body
    assert (body["outcome"], body["closed_at"]) == ("Resolved", DONE.isoformat())
    assert "comment" not in body
    with engine.connect() as conn:
        assert event_store.counts(conn) == {"sent": 1}


def test_a_tampered_body_fails_the_signature(
    engine: Engine, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    settings = _settings(url)
    _closed(engine, settings)
    send_due(engine, settings, to_ms(DONE))
    ((headers, body),) = state.got
    assert _signed(headers, body)
    assert not _signed(headers, body.replace(b'"score": 3', b'"score": 9'))


def test_the_comment_goes_along_only_when_asked(
    engine: Engine, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    settings = _settings(url, include_comment=True)
    _closed(engine, settings)
    send_due(engine, settings, to_ms(DONE))
    assert json.loads(state.got[0][1])["comment"] == "Support never called back"


def test_after_the_last_attempt_the_event_is_dead(
    engine: Engine, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    settings = _settings(url, max_attempts=2)
    _closed(engine, settings)
    state.script = [503, 500, 500]
    send_due(engine, settings, to_ms(DONE))
    assert send_due(engine, settings, to_ms(DONE + timedelta(days=1))).dead == 1
    assert send_due(engine, settings, to_ms(DONE + timedelta(days=9))).dead == 0
    assert len(state.got) == 2
    with engine.connect() as conn:
        row = conn.execute(select(events_table.c.status, events_table.c.last_error)).one()
    assert row.status == "dead" and "HTTP 500" in row.last_error


def test_configured_categories_choose_the_loops(
    engine: Engine, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver
    settings = _settings(url, categories=["promoter"])
    crm = TrackedCrm()
    crm.add("c1", "ann@x.example", "o-1")
    plan(engine, answer("r1", score=10))
    deliver(engine, crm)
    crm.changes = [TaskChange("task-1", TaskState.COMPLETED, DONE, completed_at=DONE)]
    assert track_tasks(engine, crm, TrackingSettings(), now=DONE, events=settings).events == 1


def test_an_unreachable_receiver_never_holds_up_tracking(engine: Engine) -> None:
    # A port just freed: nothing listens. Tracking only queues; the sender fails softly.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _settings(f"http://127.0.0.1:{port}/hooks")
    _closed(engine, settings)
    assert send_due(engine, settings, to_ms(DONE)).retried == 1


def test_a_url_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="needs a secret"):
        EventSettings(url="https://hooks.example.com/nps")
    assert not EventSettings().enabled
