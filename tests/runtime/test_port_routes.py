"""Webhooks and the dashboard on the daemon's own port, against the sandbox."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from syncd.runtime.compose import build_daemon, serving
from tests.e2e.helpers import sandbox_settings
from tests.intake.support import response_event, signed
from tests.runtime.ops_helpers import Scrape, get, get_json

SANDBOX_KEY = "sandbox-key"  # the packaged demo config's Delighted api_key


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, int]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_signed_webhooks_are_stored_forged_ones_refused_and_counted(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (_, settings):
        daemon = build_daemon(settings)
        try:
            with serving(settings, daemon) as server:
                assert server is not None
                body = response_event("w-1", score=2, comment="pushed")
                good = _post(server.port, "/webhooks/delighted", body, signed(body, SANDBOX_KEY))
                again = _post(server.port, "/webhooks/delighted", body, signed(body, SANDBOX_KEY))
                forged = _post(server.port, "/webhooks/delighted", body, signed(body, "guess"))
                unknown = _post(server.port, "/webhooks/nope", body, signed(body, SANDBOX_KEY))
                scrape = Scrape.of(server.port)
                summary = daemon.run_once()
        finally:
            daemon.close()
    assert good == (200, good[1]) and good[1]["stored"] == 1
    assert again[0] == 200 and again[1]["stored"] == 0  # a replay is stored once
    assert (forged[0], unknown[0]) == (401, 404)
    assert (
        scrape.value("syncd_webhook_deliveries_total", source="delighted", outcome="accepted") == 2
    )
    assert (
        scrape.value("syncd_webhook_deliveries_total", source="delighted", outcome="unauthorized")
        == 1
    )
    # The pushed answer is planned like a polled one.
    assert summary.plan.planned >= 1


def test_the_dashboard_is_served_live(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (_, settings):
        daemon = build_daemon(settings)
        try:
            daemon.run_once()
            with serving(settings, daemon) as server:
                assert server is not None
                page, html, content_type = get(server.port, "/dashboard")
                data_status, data = get_json(server.port, "/dashboard/data.json")
        finally:
            daemon.close()
    assert page == 200 and content_type.startswith("text/html")
    assert b"<svg" in html or b"vega" in html.lower()
    assert data_status == 200 and isinstance(data, dict)
