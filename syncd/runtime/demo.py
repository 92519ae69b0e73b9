"""``syncd demo``: the whole loop against the sandbox, narrated.

Starts the configured connectors' fakes (each found through the registry) on loopback, seeds a
week of answers, runs the daemon's passes on SQLite in the demo's own directory, lets the
sandbox's CRM users work some tasks, and prints what happened and the report.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from connectors.registry import build_fake
from syncd.clock import utcnow
from syncd.model import SetupState
from syncd.report import build_report, render_html, render_text
from syncd.runtime.compose import build_crm, build_daemon
from syncd.runtime.daemon import Daemon, PassSummary
from syncd.runtime.demo_config import port_of
from syncd.runtime.demo_dir import claim_demo_dir
from syncd.sandbox.fakes import CrmFake, SourceFake
from syncd.sandbox.http import LoopbackServer, serve_on_free_port
from syncd.sandbox.world import World, add_late_comments, seed, work_tasks
from syncd.settings import Settings
from syncd.store import quarantine

Say = Callable[[str], None]


@dataclass(slots=True)
class Sandbox:
    """The running fakes, and a note for each requested port that was taken."""

    source: SourceFake
    crm: CrmFake
    servers: tuple[LoopbackServer, LoopbackServer]
    notes: tuple[str, ...] = ()
    #: The path the survey API lives under on its server ("/v1" for Delighted, "" for Typeform).
    source_path: str = "/v1"

    def describe(self) -> list[str]:
        """The URLs served, for the output: where to point a browser or a manual run."""
        source, crm = (server.base_url for server in self.servers)
        return [
            f"Sandbox survey API ({self.source.vendor}-compatible): {source}{self.source_path}",
            f"Sandbox CRM ({self.crm.vendor}-compatible): {crm}",
            *self.notes,
        ]

    def stop(self) -> None:
        """Stop every fake server of the demo."""
        for server in self.servers:
            server.stop()


def start_sandbox(
    settings: Settings,
    *,
    source_port: int | None = None,
    crm_port: int | None = None,
    any_port: bool = False,
) -> tuple[Sandbox, Settings]:
    """Serve the fakes and point the settings' first source and CRM at them.

    A port of None is the one the config's base_url names, 0 (or ``any_port``) any free one; a
    taken port falls back to a free one and says so in ``Sandbox.notes``.
    """
    source_name, source = next(iter(settings.sources.items()))
    source_fake: SourceFake = build_fake("source", source.kind, source.model_extra or {})
    crm_fake: CrmFake = build_fake("crm", settings.crm.kind, settings.crm.model_extra or {})
    wanted = (
        0 if any_port else port_of(source) if source_port is None else source_port,
        0 if any_port else port_of(settings.crm) if crm_port is None else crm_port,
    )
    d_server, d_moved = serve_on_free_port(source_fake, wanted[0])
    h_server, h_moved = serve_on_free_port(crm_fake, wanted[1])
    notes = tuple(
        f"Port {port} is in use, so the sandbox {what} serves on {server.port} instead"
        for port, moved, what, server in (
            (wanted[0], d_moved, "survey API", d_server),
            (wanted[1], h_moved, "CRM", h_server),
        )
        if moved
    )
    data = settings.model_dump(mode="json")
    # Each vendor's API lives under its own path (/v1, /v3, none): keep the configured one.
    path = urlsplit(str((source.model_extra or {}).get("base_url", ""))).path.rstrip("/")
    data["sources"][source_name]["base_url"] = f"{d_server.base_url}{path}"
    data["crm"]["base_url"] = h_server.base_url
    sandbox = Sandbox(source_fake, crm_fake, (d_server, h_server), notes, path)
    return sandbox, Settings.model_validate(data)


def run_demo(
    settings: Settings,
    say: Say,
    *,
    data_dir: Path,
    ports: tuple[int, int] = (0, 0),
    responses: int = 300,
) -> World:
    """Run the narrated loop with its store in ``data_dir``, the demo's own directory.

    ``settings`` must be a sandbox config (``demo_config.load_sandbox_settings``); its data_dir
    is ignored. ``ports`` are the survey API's and the CRM's (0: any free port).
    """
    with claim_demo_dir(data_dir) as home:
        say(f"Demo directory: {home} (the demo's own; emptied at the start of every run)")
        settings = _with_data_dir(settings, home)
        sandbox, settings = start_sandbox(settings, source_port=ports[0], crm_port=ports[1])
        try:
            for line in sandbox.describe():
                say(line)
            return _run(settings, sandbox, home, say, responses)
        finally:
            sandbox.stop()


def _with_data_dir(settings: Settings, home: Path) -> Settings:
    data = settings.model_dump(mode="json")
    data["daemon"]["data_dir"] = str(home)
    return Settings.model_validate(data)


def _run(settings: Settings, sandbox: Sandbox, home: Path, say: Say, responses: int) -> World:
    say(_set_up_crm(settings))
    world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=responses)
    say(
        f"Sandbox: {len(world.responses)} survey answers ({len(world.malformed)} malformed, "
        f"{len(world.unknown_emails)} from people the CRM does not know, "
        f"{len(world.without_email)} with a customer id but no email), "
        f"{len(world.contacts)} CRM contacts, {len(world.owners)} owners in 3 teams."
    )
    daemon = build_daemon(settings)
    try:
        _narrate(daemon, sandbox, world, say)
        _report(daemon, home, say)
    finally:
        daemon.close()
    say(f"Store: {settings.daemon.resolved_database_url()}")
    return world


def _set_up_crm(settings: Settings) -> str:
    """Run ``syncd crm setup`` against the sandbox CRM, which starts without syncd's fields."""
    crm = build_crm(settings)
    try:
        steps = crm.setup()
    finally:
        crm.close()
    created = sum(step.state is SetupState.CREATED for step in steps)
    failed = [str(step) for step in steps if step.state is SetupState.FAILED]
    line = (
        f"CRM setup (`syncd crm setup`): the sandbox CRM starts without syncd's fields, as a real "
        f"account does; {created} created, {len(steps) - created - len(failed)} already there."
    )
    return "\n".join([line, *(f"   FAILED {text}" for text in failed)])


def _narrate(daemon: Daemon, sandbox: Sandbox, world: World, say: Say) -> None:
    rng = random.Random(11)
    say("\n1. First pass: poll, plan, deliver, track")
    _describe(daemon.run_once(), say)
    late = add_late_comments(sandbox.source, world, rng)
    say(f"\n2. {late} comments arrive later as updates to their answers")
    _describe(daemon.run_once(), say)
    worked = work_tasks(sandbox.crm, rng)
    say(
        f"\n3. Sandbox CRM users work their queues: {worked['completed']} tasks completed, "
        f"{worked['in_progress']} started, {worked['reassigned']} handed to a colleague"
    )
    _await_search_index(sandbox, say)
    _describe(daemon.run_once(), say)


def _await_search_index(sandbox: Sandbox, say: Say) -> None:
    """A CRM's search shows changes only after its index catches up, as the real one does."""
    lag = sandbox.crm.search_lag_seconds
    if lag > 0:
        say(f"   (waiting {lag:g} s: {sandbox.crm.vendor} search shows changes after a moment)")
        time.sleep(lag + 0.5)


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
