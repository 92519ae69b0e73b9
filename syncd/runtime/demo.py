"""``syncd demo``: the whole loop against the sandbox, narrated.

Starts the configured connectors' fakes (each found through the registry) on loopback, sets up
the CRM and its people, and simulates a week (``syncd.runtime.demo_week``): answers arrive over
time, the daemon passes at its step on SQLite in the demo's own directory, and the sandbox's CRM
users work the tasks. It prints a line a day, then the report as of the week's end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from connectors.registry import build_fake
from syncd.clock import SimulatedClock, simulated, utcnow
from syncd.edge.limiter import unlimited
from syncd.model import SetupState
from syncd.report import build_report, render_html, render_text
from syncd.runtime.building import build_crm
from syncd.runtime.compose import build_daemon
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo_config import port_of
from syncd.runtime.demo_dir import claim_demo_dir
from syncd.runtime.demo_week import STEP, Totals, run_week
from syncd.sandbox.fakes import CrmFake, SourceFake
from syncd.sandbox.http import LoopbackServer, serve_on_free_port
from syncd.sandbox.week import Week
from syncd.sandbox.world import World, seed_people
from syncd.settings import Settings
from syncd.store import quarantine

Say = Callable[[str], None]
#: Stage errors listed in the narration; a stage failing every pass would otherwise fill it.
_ERRORS_SHOWN = 5


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
    clock: Callable[[], datetime] | None = None,
) -> tuple[Sandbox, Settings]:
    """Serve the fakes and point the settings' first source and CRM at them.

    A port of None is the one the config's base_url names, 0 (or ``any_port``) any free one; a
    taken port falls back to a free one and says so in ``Sandbox.notes``. ``clock`` stamps the
    fakes' records (the demo's simulated week); None: the real clock.
    """
    source_name, source = next(iter(settings.sources.items()))
    source_fake: SourceFake = build_fake(
        "source", source.kind, source.model_extra or {}, clock=clock
    )
    crm_fake: CrmFake = build_fake(
        "crm", settings.crm.kind, settings.crm.model_extra or {}, clock=clock
    )
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
    step: timedelta = STEP,
) -> World:
    """Run the narrated loop with its store in ``data_dir``, the demo's own directory.

    ``settings`` must be a sandbox config (``demo_config.load_sandbox_settings``); its data_dir
    is ignored. ``ports`` are the survey API's and the CRM's (0: any free port). ``step``: the
    simulated time between two of the daemon's passes.
    """
    with claim_demo_dir(data_dir) as home:
        say(f"Demo directory: {home} (the demo's own; emptied at the start of every run)")
        settings = _with_data_dir(settings, home)
        week = Week.before(utcnow(), ZoneInfo(settings.daemon.timezone))
        # The daemon, the fakes and the report all read this clock until the demo ends.
        with simulated(SimulatedClock(week.start)) as clock:
            sandbox, settings = start_sandbox(
                settings, source_port=ports[0], crm_port=ports[1], clock=clock
            )
            try:
                for line in sandbox.describe():
                    say(line)
                return _run(settings, sandbox, home, say, _Week(week, clock, responses, step))
            finally:
                sandbox.stop()


@dataclass(frozen=True, slots=True)
class _Week:
    week: Week
    clock: SimulatedClock
    responses: int
    step: timedelta


def _with_data_dir(settings: Settings, home: Path) -> Settings:
    data = settings.model_dump(mode="json")
    data["daemon"]["data_dir"] = str(home)
    return Settings.model_validate(data)


def _run(settings: Settings, sandbox: Sandbox, home: Path, say: Say, run: _Week) -> World:
    say(_set_up_crm(settings))
    world, answers = seed_people(sandbox.crm, responses=run.responses)
    no_email = sum(answer.without_email for answer in answers)
    late = sum(answer.late for answer in answers)
    say(
        f"Sandbox: {len(world.contacts)} CRM contacts, {len(world.owners)} owners in 3 teams; "
        f"{len(answers)} survey answers will arrive over the week ({len(world.unknown_emails)} "
        f"from people the CRM does not know, {no_email} with a customer id but no email, {late} "
        f"with a comment sent minutes later), and 4 malformed ones."
    )
    if world.companies:
        say(
            f"The contacts work for {len(world.companies)} client companies: with the CRM's "
            f"company roll-up on, each company shows its latest score, its NPS over the window "
            f"and its open detractor follow-ups, refreshed as answers and tasks change."
        )
    week, last = run.week, run.week.days()[-1]
    minutes, passes = int(run.step.total_seconds()) // 60, -(-(week.end - week.start) // run.step)
    say(
        f"\nA simulated week, {week.days()[0]:%a %d %b} to {last:%a %d %b %Y} "
        f"({settings.daemon.timezone}): customers answer when they do, mostly on weekdays in "
        f"office hours; syncd passes every {minutes} simulated minutes ({passes} passes; its "
        f"configured interval is "
        f"{settings.daemon.interval_seconds:g} s, so a live daemon creates tasks sooner still); "
        f"the CRM's users work their queues in office hours."
    )
    # Minutes of simulated time pass between two passes, so per-second vendor limits never bind
    # in the simulated week; on real time they would only stretch a week's passes into minutes.
    sandbox.source.lift_limits()
    sandbox.crm.lift_limits()
    daemon = build_daemon(settings, limiters=lambda scope: unlimited)
    try:
        totals = run_week(
            daemon, sandbox.source, sandbox.crm, run.clock, week, world, answers, say, step=run.step
        )
        _describe(totals, say)
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


def _describe(totals: Totals, say: Say) -> None:
    say(
        f"   syncd over the week: {totals.passes} passes, {totals.fetched} answers read, "
        f"{totals.quarantined} quarantined as malformed, {totals.contacts_updated} contacts "
        f"updated, {totals.tasks_created} tasks created, {totals.tracked} task changes tracked, "
        f"{totals.loops_marked} loop-closed times written back onto contacts"
    )
    waits = totals.answer_to_task_ms
    if waits:
        median, p90 = waits[len(waits) // 2], waits[min(len(waits) - 1, len(waits) * 9 // 10)]
        say(
            f"   answer to task (from the customer's answer to its task in the CRM, the wait "
            f"for the next pass included): median {_minutes(median)}, p90 {_minutes(p90)}, "
            f"longest {_minutes(waits[-1])}"
        )
    for error in totals.errors[:_ERRORS_SHOWN]:
        say(f"   ERROR {error}")
    if len(totals.errors) > _ERRORS_SHOWN:
        say(f"   ... and {len(totals.errors) - _ERRORS_SHOWN} more stage errors (see the log)")


def _minutes(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes}m {seconds:02d}s"


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
