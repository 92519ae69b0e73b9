"""A CRM that echoes the bearer token into its errors: no part of it reaches a log or the store."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog

from syncd.clock import utcnow
from syncd.redact import MIN_SECRET_LENGTH, Redactor, activate
from syncd.runtime.compose import build_daemon
from syncd.runtime.logging import configure_logging
from syncd.sandbox.http import Handler, LoopbackServer, Request, Response
from syncd.sandbox.world import seed
from syncd.settings import Settings
from syncd.store.schema import outbox
from tests.e2e.helpers import hubspot_of, sandbox_settings

#: Longer than the cut of HubSpot messages, and placed across it.
TOKEN = "SECRET-HUB-" + "7f3a9c2e" * 8


def echoing(app: Handler) -> Handler:
    """Every batch call fails with a 400 whose body and headers repeat the Authorization header."""

    def serve(request: Request) -> Response:
        if "/batch/" not in request.path:
            return app(request)
        auth = request.headers.get("authorization", "")
        body = {
            "status": "error",
            "message": f"{'x' * 460} request was {request.method} with {auth}",
            "category": "VALIDATION_ERROR",
            "correlationId": "echo-1",
        }
        return Response(400, body, {"X-Echo-Authorization": auth})

    return serve


@pytest.fixture
def reset_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    activate(Redactor())


def fragments(text: str) -> list[str]:
    size = MIN_SECRET_LENGTH
    pieces = {TOKEN[i : i + size] for i in range(len(TOKEN) - size + 1)}
    return sorted(piece for piece in pieces if piece in text)


@pytest.mark.usefixtures("reset_logging")
def test_echoed_token_never_reaches_logs_or_outbox(tmp_path: Path) -> None:
    env = {"SYNCD__CRM__ACCESS_TOKEN": TOKEN, "SYNCD__DAEMON__LOG_LEVEL": "debug"}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, served):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=20)
        with LoopbackServer(echoing(hubspot_of(sandbox))) as echo:
            data = served.model_dump(mode="json")
            data["crm"]["base_url"] = echo.base_url
            settings = Settings.model_validate(data)
            logs = io.StringIO()
            configure_logging(settings.daemon, stream=logs)
            daemon = build_daemon(settings)
            try:
                daemon.run_once(threading.Event())
                with daemon.engine.connect() as conn:
                    errors = (
                        conn.execute(
                            sa.select(outbox.c.last_error).where(outbox.c.last_error.is_not(None))
                        )
                        .scalars()
                        .all()
                    )
            finally:
                daemon.close()
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    failures = [line for line in lines if "HubSpot 400" in json.dumps(line)]
    assert errors and failures, "the echoing CRM was never called"
    assert fragments("\n".join(errors)) == []
    assert fragments(logs.getvalue()) == []
    assert all("X-Echo" not in text for text in errors)
