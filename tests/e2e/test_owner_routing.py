"""Owners and teams: a task never goes out unowned for want of an owner list, and a rule naming
a team nobody belongs to is reported instead of silently routed to the fallback owner."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from structlog.testing import capture_logs

from syncd.clock import utcnow
from syncd.routing_settings import RoutingRule, RoutingSettings
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from syncd.store.outbox import Status
from syncd.store.schema import outbox
from tests.e2e.helpers import hubspot_of, sandbox_settings


def test_creates_wait_for_the_owner_list_on_a_fresh_store(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=30)
        hubspot_of(sandbox).inject("/crm/v3/owners", 403)  # owners unreadable this pass
        daemon = build_daemon(settings)
        first = daemon.run_once()
        assert hubspot_of(sandbox).tasks() == []
        (error,) = first.errors
        assert "owner list" in error and "task creation" in error
        assert first.deliver.contacts_updated > 0  # everything else still goes out
        with daemon.engine.connect() as conn:
            waiting = conn.execute(
                sa.select(sa.func.count()).where(
                    outbox.c.kind == "create_task",
                    outbox.c.status == Status.PENDING,
                    outbox.c.attempts == 0,
                )
            ).scalar()
        assert waiting == first.plan.tasks - first.deliver.quarantined

        second = daemon.run_once()
        daemon.close()
        assert second.errors == []
        tasks = hubspot_of(sandbox).tasks()
        assert len(tasks) == second.deliver.tasks_created > 0
        assert all(t["properties"].get("hubspot_owner_id") in world.owners for t in tasks)


def test_a_rule_naming_an_unknown_team_is_warned_about_once_per_pass(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=30)
        routing = RoutingSettings(
            rules=(RoutingRule(name="everyone", team="Suport"),),
            fallback_owner="sam@acme.example",
        )
        daemon = build_daemon(settings.model_copy(update={"routing": routing}))
        with capture_logs() as logs:
            daemon.run_once()
            daemon.run_once()
        daemon.close()
        warned = [e for e in logs if e.get("team") == "Suport" and e["log_level"] == "warning"]
        assert len(warned) == 2
        assert "'everyone'" in warned[0]["event"] and "fallback owner" in warned[0]["event"]
