"""The daemon's port against the sandbox: probes and metrics after a known run."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, serving
from syncd.sandbox.world import seed
from syncd.store.schema import loops
from tests.e2e.helpers import expected_task_contacts, hubspot_of, sandbox_settings
from tests.runtime.ops_helpers import Scrape, get, get_json

RESPONSES = 40


def test_metrics_and_probes_after_a_known_run(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=RESPONSES)
        daemon = build_daemon(settings)
        try:
            with serving(settings, daemon) as server:
                assert server is not None and server.port > 0
                before, _ = get_json(server.port, "/readyz")
                summary = daemon.run_once()
                scrape = Scrape.of(server.port)
                ready, body = get_json(server.port, "/readyz")
                health, _ = get_json(server.port, "/healthz")
            tasks = len(sandbox.crm.tasks())
        finally:
            daemon.close()
    assert before == 503  # no pass has reached anything yet
    assert (ready, health) == (200, 200), body
    assert tasks == len(expected_task_contacts(world)) > 0
    poll = summary.polls[0]
    assert scrape.value("syncd_answers_polled_total", source="delighted") == poll.fetched > 0
    assert scrape.value("syncd_answers_planned_total", source="delighted") == summary.plan.planned
    quarantined = scrape.value("syncd_answers_quarantined_total", source="delighted")
    assert quarantined == poll.rejected + summary.plan.unmatchable
    assert scrape.value("syncd_tasks_created_total", crm="hubspot") == tasks
    assert scrape.value("syncd_time_to_task_seconds_count", crm="hubspot") == tasks
    assert scrape.value("syncd_contacts_updated_total", crm="hubspot") > 0
    # Tasks are created in batches with their contact association inline.
    creates = scrape.value(
        "syncd_crm_requests_total", endpoint="crm.objects.tasks.batch.create", outcome="2xx"
    )
    assert creates >= 1
    for labels in scrape.labels("syncd_crm_requests_total"):
        assert not re.search(r"\d", labels["endpoint"]), labels  # no ids in a label
    assert scrape.value("syncd_outbox_actions", state="pending") == 0
    assert scrape.value("syncd_dead_letters", crm="hubspot") == 0
    assert scrape.value("syncd_backlog_answers") == 0
    assert scrape.value("syncd_store_up") == 1
    assert scrape.value("syncd_crm_allowance_remaining", window="daily") > 0
    assert scrape.value("syncd_seconds_since_last_poll", source="delighted") < 60
    assert scrape.types["syncd_tasks_created"] == "counter"
    assert scrape.types["syncd_time_to_task_seconds"] == "histogram"
    assert scrape.types["syncd_outbox_actions"] == "gauge"


def test_unknown_paths_are_404_and_the_port_closes_with_its_context(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (_, settings):
        daemon = build_daemon(settings)
        try:
            with serving(settings, daemon) as server:
                assert server is not None
                port = server.port
                status, _, _ = get(port, "/nothing-here")
                metrics_status, _, content_type = get(port, "/metrics")
        finally:
            daemon.close()
    assert status == 404
    assert metrics_status == 200 and content_type.startswith("text/plain")


def test_closed_loops_and_sla_breaches_are_counted_once(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=RESPONSES)
        daemon = build_daemon(settings)
        try:
            with serving(settings, daemon) as server:
                assert server is not None
                daemon.run_once()
                done = [task["id"] for task in sandbox.crm.tasks()][:5]
                for task_id in done:
                    hubspot_of(sandbox).set_task_status(task_id, "COMPLETED")
                daemon.run_once()
                daemon.run_once()  # the overlap window reads them again: counted once
                scrape = Scrape.of(server.port)
            with daemon.engine.connect() as conn:
                closed = conn.execute(
                    sa.select(loops.c.closed_ms, loops.c.due_ms).where(
                        loops.c.closed_ms.is_not(None)
                    )
                ).all()
        finally:
            daemon.close()
    late = sum(1 for row in closed if row.due_ms is not None and row.closed_ms > row.due_ms)
    assert len(closed) == len(done) == 5
    assert scrape.value("syncd_loops_closed_total", crm="hubspot") == 5
    assert scrape.value("syncd_time_to_close_seconds_count", crm="hubspot") == 5
    assert scrape.value("syncd_sla_breaches_total", crm="hubspot") == late
