"""What the intake tests share: signed Delighted deliveries, store readers, a real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import Engine, select

from connectors.sources.delighted import DelightedSettings, DelightedSource
from syncd.http.exchange import Handler, Request
from syncd.store.schema import inbox, quarantine

KEY = "delighted-project-key-0123"
NOW = datetime.now(UTC).replace(microsecond=0)
CREATED = int(NOW.timestamp()) - 3600


def delighted(name: str = "delighted") -> DelightedSource:
    """A Delighted source whose webhooks are signed with ``KEY`` (its API is never called)."""
    values = {"base_url": "https://delighted.test/v1", "api_key": KEY}
    settings = DelightedSettings.model_validate(values)
    return DelightedSource(name, settings)


def response_event(
    response_id: str = "88214",
    *,
    score: object = 6,
    comment: str | None = None,
    updated: int | None = None,
    event_type: str = "survey_response.updated",
) -> bytes:
    """A Delighted webhook body carrying one survey response (the listing's shape)."""
    data = {
        "id": response_id,
        "person": {"id": "51902", "email": "dana.kowalski@example.org", "name": "Dana"},
        "survey_type": "nps",
        "score": score,
        "comment": comment,
        "permalink": "https://app.delighted.com/r/EXAMPLE",
        "created_at": CREATED,
        "updated_at": updated,
        "person_properties": {"customer_id": "C-10442"},
    }
    event = {"event_type": event_type, "event_id": f"evt-{response_id}", "event_data": data}
    return json.dumps(event).encode()


def signed(body: bytes, key: str = KEY) -> dict[str, str]:
    """The header Delighted sends: ``sha256=`` and the hex HMAC of the raw body."""
    digest = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Delighted-Webhook-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def post(path: str, body: bytes, headers: Mapping[str, str] | None = None) -> Request:
    """A request as the server hands it to a route (header names lower-cased)."""
    lowered = {key.lower(): value for key, value in (headers or {}).items()}
    return Request("POST", path, lowered, body)


def reply(response: Any) -> dict[str, Any]:
    """A route's JSON answer."""
    answer: dict[str, Any] = json.loads(response.body)
    return answer


def inbox_rows(engine: Engine) -> list[tuple[str, str, int, int]]:
    """(source, response id, version, score) of every inbox row."""
    with engine.connect() as conn:
        query = select(inbox.c.source, inbox.c.response_id, inbox.c.version, inbox.c.score)
        return [tuple(row) for row in conn.execute(query.order_by(inbox.c.id))]


def quarantined(engine: Engine) -> list[tuple[str, str | None, str]]:
    """(source, response id, reason) of every quarantined item."""
    with engine.connect() as conn:
        query = select(quarantine.c.source, quarantine.c.response_id, quarantine.c.reason)
        return [tuple(row) for row in conn.execute(query.order_by(quarantine.c.id))]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _wsgi(handler: Handler, max_body: int) -> Any:
    """A minimal WSGI adapter: bounded body read, lower-cased headers, the route's answer."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, max_body + 1))
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Request(environ["REQUEST_METHOD"], environ["PATH_INFO"], headers, body)
        response = handler(request)
        status = f"{response.status} {'OK' if response.status < 400 else 'Refused'}"
        start_response(status, [("Content-Type", response.content_type), *response.headers.items()])
        return [response.body]

    return app


@contextmanager
def serving(handler: Handler, max_body: int = 1024 * 1024) -> Iterator[str]:
    """Serve ``handler`` over real HTTP on a free loopback port; yields the base URL."""
    app = _wsgi(handler, max_body)
    server = make_server("127.0.0.1", 0, app, _ThreadingWSGIServer, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def http_post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
    """POST over the network; the status and the JSON answer, error statuses included."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
