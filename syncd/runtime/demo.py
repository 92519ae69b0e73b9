"""``syncd demo``: the whole loop against the sandbox, narrated.

Starts the fakes on loopback, seeds a week of answers, runs the daemon's passes on SQLite, lets
the sandbox's CRM users work some tasks, and prints what happened and the report.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from syncd.clock import utcnow
from syncd.report import build_report, render_html, render_text
from syncd.runtime.compose import build_daemon
from syncd.runtime.daemon import Daemon, PassSummary
from syncd.sandbox.delighted import DelightedFake
from syncd.sandbox.http import LoopbackServer
from syncd.sandbox.hubspot import HubSpotFake
from syncd.sandbox.world import World, add_late_comments, seed, work_tasks
from syncd.settings import Settings
from syncd.store import quarantine

Say = Callable[[str], None]


@dataclass(slots=True)
class Sandbox:
    """The running fakes and the settings pointing at them."""

    delighted: DelightedFake
    hubspot: HubSpotFake
    servers: tuple[LoopbackServer, LoopbackServer]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def start_sandbox(settings: Settings, *, any_port: bool = False) -> tuple[Sandbox, Settings]:
    """Serve the fakes on the ports the settings name (or free ports) and point settings there."""
    source_name, source = next(iter(settings.sources.items()))
    source_extra, crm_extra = dict(source.model_extra or {}), dict(settings.crm.model_extra or {})
    delighted = DelightedFake(str(source_extra["api_key"]))
    hubspot = HubSpotFake(str(crm_extra["access_token"]))
    d_server = LoopbackServer(delighted, 0 if any_port else _port(source_extra)).start()
    h_server = LoopbackServer(hubspot, 0 if any_port else _port(crm_extra)).start()
    data = settings.model_dump(mode="json")
    data["sources"][source_name]["base_url"] = f"{d_server.base_url}/v1"
    data["crm"]["base_url"] = h_server.base_url
    return Sandbox(delighted, hubspot, (d_server, h_server)), Settings.model_validate(data)


def _port(extra: dict[str, Any]) -> int:
    return urlsplit(str(extra["base_url"])).port or 0


def run_demo(settings: Settings, say: Say, *, responses: int = 300) -> tuple[World, Sandbox]:
    data_dir = settings.daemon.data_dir
    shutil.rmtree(data_dir, ignore_errors=True)  # a demo always starts from an empty store
    sandbox, settings = start_sandbox(settings)
    world = seed(sandbox.delighted, sandbox.hubspot, now=utcnow(), responses=responses)
    say(
        f"Sandbox: {len(world.responses)} survey answers ({len(world.malformed)} malformed, "
        f"{len(world.unknown_emails)} from people the CRM does not know, "
        f"{len(world.without_email)} with a customer id but no email), "
        f"{len(world.contacts)} CRM contacts, {len(world.owners)} owners in 3 teams."
    )
    daemon = build_daemon(settings)
    try:
        _narrate(daemon, sandbox, world, say)
        _report(daemon, data_dir, say)
    finally:
        daemon.close()
    return world, sandbox


def _narrate(daemon: Daemon, sandbox: Sandbox, world: World, say: Say) -> None:
    rng = random.Random(11)
    say("\n1. First pass: poll, plan, deliver, track")
    _describe(daemon.run_once(), say)
    late = add_late_comments(sandbox.delighted, world, rng)
    say(f"\n2. {late} comments arrive later as updates to their answers")
    _describe(daemon.run_once(), say)
    worked = work_tasks(sandbox.hubspot, rng)
    say(
        f"\n3. Sandbox CRM users work their queues: {worked['completed']} tasks completed, "
        f"{worked['in_progress']} started, {worked['reassigned']} handed to a colleague"
    )
    _describe(daemon.run_once(), say)


def _describe(summary: PassSummary, say: Say) -> None:
    for poll in summary.polls:
        say(
            f"   poll {poll.source}: {poll.fetched} read, {poll.stored} new or changed, "
            f"{poll.rejected} quarantined as malformed"
        )
    plan, deliver = summary.plan, summary.deliver
    say(f"   plan: {plan.planned} planned, {plan.tasks} tasks, {plan.task_updates} task updates")
    say(
        f"   deliver: {deliver.contacts_updated} contacts updated, {deliver.tasks_created} tasks "
        f"created, {deliver.tasks_updated} tasks updated, {deliver.quarantined} quarantined, "
        f"{deliver.retried} retried, {deliver.dead} dead"
    )
    say(f"   track: {summary.track.seen} task changes read, {summary.track.matched} were syncd's")
    for error in summary.errors:
        say(f"   ERROR {error}")


def _report(daemon: Daemon, data_dir: Path, say: Say) -> None:
    with daemon.engine.connect() as conn:
        report = build_report(conn, now=utcnow())
        items = quarantine.unresolved(conn)
    say("\nQuarantined, with reasons (see `syncd quarantine list`):")
    for item in items:
        say(f"   {item.source}:{item.response_id or '?'} [{item.reason_code}] {item.reason}")
    say("\n" + render_text(report))
    html = data_dir / "report.html"
    html.write_text(render_html(report), encoding="utf-8")
    say(f"HTML report: {html}")
