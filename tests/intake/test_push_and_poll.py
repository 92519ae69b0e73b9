"""End to end: answers pushed and polled, and pushed again, make one task each in the CRM."""

from __future__ import annotations

import json
from pathlib import Path

from syncd.clock import utcnow
from syncd.intake.routes import webhook_routes
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from tests.e2e.helpers import delighted_of, expected_task_contacts, sandbox_settings, task_counts
from tests.intake.support import post, reply, signed


def _deliveries(records: list[dict[str, object]]) -> list[bytes]:
    return [
        json.dumps(
            {"event_type": "survey_response.updated", "event_id": f"e{r['id']}", "event_data": r}
        ).encode()
        for r in records
    ]


def test_pushed_and_polled_answers_are_processed_once(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=12)
        key = str(settings.sources["delighted"].model_extra["api_key"])  # type: ignore[index]
        daemon = build_daemon(settings)
        try:
            [route] = webhook_routes(settings, daemon.sources, daemon.engine).values()
            bodies = _deliveries(delighted_of(sandbox).responses())
            pushed = [route(post("/webhooks/delighted", b, signed(b, key))) for b in bodies]
            assert all(response.status == 200 for response in pushed)
            assert sum(reply(response)["stored"] for response in pushed) > 0

            daemon.run_once()  # polls the same answers, plans, delivers
            again = [route(post("/webhooks/delighted", b, signed(b, key))) for b in bodies]
            daemon.run_once()
        finally:
            daemon.close()

    assert all(reply(response)["stored"] == 0 for response in again)
    expected = expected_task_contacts(world)
    assert expected and task_counts(sandbox) == dict.fromkeys(expected, 1)
