"""``/readyz`` names what keeps the daemon from working: a CRM that is down or paused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, serving
from syncd.runtime.daemon import Daemon
from syncd.sandbox.http import Handler, LoopbackServer, Request, Response
from syncd.sandbox.world import seed
from syncd.settings import Settings
from tests.e2e.helpers import sandbox_settings
from tests.runtime.ops_helpers import Scrape, get_json

#: HubSpot's answer once the portal's daily allowance is spent (developers.hubspot.com/docs/
#: guides/apps/api-usage/usage-details: policyName DAILY, X-HubSpot-RateLimit-Daily-Remaining).
DAILY_BODY = {
    "status": "error",
    "message": "You have reached your daily limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "DAILY",
}
DAILY_HEADERS = {
    "X-HubSpot-RateLimit-Daily": "250000",
    "X-HubSpot-RateLimit-Daily-Remaining": "0",
    "Retry-After": "600",
}


class Gate:
    """The CRM fake behind a switch: ``up``, ``down`` (connections dropped) or ``daily``."""

    def __init__(self, fake: Handler) -> None:
        self.fake = fake
        self.mode = "up"

    def __call__(self, request: Request) -> Response:
        if self.mode == "down":
            return Response(503, drop=True)
        if self.mode == "daily":
            return Response(429, dict(DAILY_BODY), dict(DAILY_HEADERS))
        return self.fake(request)


@contextmanager
def gated_daemon(tmp_path: Path) -> Iterator[tuple[Gate, Daemon, int]]:
    """A daemon whose CRM sits behind a ``Gate``, its port open; one good pass already run."""
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=10)
        gate = Gate(sandbox.crm)
        with LoopbackServer(gate) as portal:
            data = settings.model_dump(mode="json")
            data["crm"].update(base_url=portal.base_url, read_retries=0)
            gated = Settings.model_validate(data)
            daemon = build_daemon(gated)
            try:
                with serving(gated, daemon) as server:
                    assert server is not None
                    daemon.run_once()
                    yield gate, daemon, server.port
            finally:
                daemon.close()


def test_ready_after_a_good_pass_then_not_while_the_crm_is_down(tmp_path: Path) -> None:
    with gated_daemon(tmp_path) as (gate, daemon, port):
        ready, _ = get_json(port, "/readyz")
        gate.mode = "down"
        daemon.run_once()
        down, body = get_json(port, "/readyz")
        health, _ = get_json(port, "/healthz")
        network = Scrape.of(port).value("syncd_crm_requests_total", outcome="network")
        gate.mode = "up"
        daemon.run_once()
        again, _ = get_json(port, "/readyz")
    assert ready == 200
    assert down == 503 and body["failing"] == ["crm hubspot"], body
    assert body["checks"]["crm hubspot"]["detail"].startswith("failing:")
    assert body["checks"]["store"]["ok"] and body["checks"]["source delighted"]["ok"]
    assert health == 200  # the loop still turns: not a reason to restart the process
    assert network >= 1
    assert again == 200


def test_not_ready_while_a_daily_limit_pauses_delivery(tmp_path: Path) -> None:
    with gated_daemon(tmp_path) as (gate, daemon, port):
        gate.mode = "daily"
        daemon.run_once()
        paused, body = get_json(port, "/readyz")
        scrape = Scrape.of(port)
    assert paused == 503 and body["failing"] == ["crm hubspot allowance"], body
    assert "daily" in body["checks"]["crm hubspot allowance"]["detail"]
    assert scrape.value("syncd_crm_requests_total", outcome="429") >= 1
    assert scrape.value("syncd_stage_failures_total", stage="track") >= 1
