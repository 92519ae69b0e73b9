"""The ``syncd`` command line."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.cli_admin import register as register_admin_commands
from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, settings_or_exit, store_opening
from syncd.cli_config import register as register_config_commands
from syncd.cli_crm import register as register_crm_commands
from syncd.cli_intake import register as register_intake_commands
from syncd.cli_plan import register as register_plan_command
from syncd.cli_report import register as register_report_command
from syncd.cli_retention import register as register_retention_commands
from syncd.cli_rules import register as register_rules_commands
from syncd.errors import ConfigError
from syncd.runtime.gc_pause import collector_paused

if TYPE_CHECKING:
    from syncd.runtime.daemon import Daemon
    from syncd.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Close the NPS loop: survey answers -> CRM contacts -> owned tasks.",
)
config_app = typer.Typer(no_args_is_help=True, help="Check and inspect the configuration.")
app.add_typer(config_app, name="config")
register_admin_commands(app)  # check, deadletter, quarantine
register_crm_commands(app)  # crm setup
register_rules_commands(app)  # rules test
register_report_command(app)  # report
register_config_commands(app, config_app)  # --version, config show
register_retention_commands(app)  # prune
register_intake_commands(app)  # import, backfill
register_plan_command(app)  # plan (dry run)


@app.command()
def run(
    config: ConfigOption = DEFAULT_CONFIG,
    once: Annotated[
        bool, typer.Option("--once", help="One pass of every stage, then exit.")
    ] = False,
) -> None:
    """Run the daemon: poll, plan, deliver and track every interval until SIGTERM/SIGINT."""
    # Signals first: a SIGTERM while the config loads or the store is awaited must stop us
    # cleanly (as PID 1 in a container an ignored SIGTERM ends in SIGKILL).
    stop = threading.Event()
    _stop_on_signals(stop)
    with collector_paused():  # start-up builds what the process keeps; collecting it is waste
        from syncd.runtime.logging import bootstrap_logging, configure_logging
        from syncd.runtime.reload import Reloader

        reloads = Reloader(config)
        reloads.install()  # SIGHUP during startup is kept for later, never fatal

        bootstrap_logging()
        settings = settings_or_exit(config)
        configure_logging(settings.daemon)
        daemon = None if stop.is_set() else _start(settings, stop)
    if daemon is None:
        raise typer.Exit(0)
    try:
        if once:
            summary = daemon.run_once(stop)
            raise typer.Exit(1 if summary.errors else 0)
        _serve(settings, daemon, stop, reloads.apply_pending)
    finally:
        daemon.close()


def _serve(
    settings: Settings, daemon: Daemon, stop: threading.Event, reload: Callable[[Daemon], object]
) -> None:
    """The loop (applying SIGHUP reloads between passes), with the HTTP port (probes, metrics,
    webhooks, dashboard) open beside it."""
    from syncd.runtime.compose import serving
    from syncd.runtime.http_port import PortUnavailable

    try:
        with serving(settings, daemon):
            daemon.run_forever(stop, reload)
    except PortUnavailable as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(1) from error


def _start(settings: Settings, stop: threading.Event) -> Daemon | None:
    """Lock, reach and migrate the store; None when stopped meanwhile. Store problems: one line."""
    from syncd.runtime.compose import CrmNotSetUp, StartupStopped, build_daemon
    from syncd.store.engine import StoreUnavailable
    from syncd.store.lock import StoreBusy

    try:
        with store_opening(settings):
            return build_daemon(settings, stop)
    except StartupStopped:
        return None
    except (StoreBusy, StoreUnavailable, CrmNotSetUp) as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(1) from error


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        # Finish the batch in flight, release claims, exit 0: nothing is lost or doubled.
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


SandboxConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="A sandbox config instead of the packaged one: one survey source and a CRM the "
        "sandbox fakes, on 127.0.0.1, no database_url. SYNCD_CONFIG and SYNCD__ overrides never "
        "apply.",
        show_default="the packaged demo config",
    ),
]


def _port_option(what: str, default: bool | str = True) -> typer.models.OptionInfo:
    text = f"Sandbox {what} port; 0: any free port (a taken port falls back to one)."
    port: typer.models.OptionInfo = typer.Option(min=0, max=65535, help=text, show_default=default)
    return port


def _kind_option(role: str) -> typer.models.OptionInfo:
    from syncd.sandbox.defaults import DEFAULT_CRM, DEFAULT_SOURCE

    default = DEFAULT_SOURCE if role == "source" else DEFAULT_CRM
    what = "survey tool" if role == "source" else "CRM"
    option: typer.models.OptionInfo = typer.Option(
        f"--{role}",
        help=f"Which {what} the sandbox fakes (ignored with --config).",
        show_default=default,
    )
    return option


SandboxSourceOption = Annotated[str | None, _kind_option("source")]
SandboxCrmOption = Annotated[str | None, _kind_option("crm")]


def _sandbox_settings(
    config: Path | None, source: str | None = None, crm: str | None = None
) -> Settings:
    from syncd.runtime.demo_config import load_sandbox_settings, sandbox_kinds
    from syncd.sandbox.defaults import DEFAULT_CRM, DEFAULT_SOURCE

    for role, kind in (("source", source), ("crm", crm)):
        if kind is not None and kind not in sandbox_kinds(role):
            known = ", ".join(sandbox_kinds(role))
            typer.echo(f"syncd: --{role} {kind!r}: the sandbox fakes {known}", err=True)
            raise typer.Exit(2)
    try:
        return load_sandbox_settings(config, source or DEFAULT_SOURCE, crm or DEFAULT_CRM)
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error


@app.command()
def demo(
    config: SandboxConfigOption = None,
    data_dir: Annotated[
        Path,
        typer.Option(
            help="The demo's own directory (store, report): created with a .syncd-demo marker, "
            "emptied on every run; a non-empty directory without the marker is refused."
        ),
    ] = Path("syncd-demo"),
    source_port: Annotated[int, _port_option("survey API")] = 0,
    crm_port: Annotated[int, _port_option("CRM")] = 0,
    responses: Annotated[int, typer.Option(min=1, help="How many survey answers to seed.")] = 300,
    source: SandboxSourceOption = None,
    crm: SandboxCrmOption = None,
    step_minutes: Annotated[
        int,
        typer.Option(
            min=1,
            max=1440,
            help="Simulated minutes between two daemon passes in the demo's week.",
        ),
    ] = 15,
) -> None:
    """Run the whole loop against the built-in sandbox (SQLite, no accounts) and report.

    Never touches a configured store (its data is in --data-dir only); taken ports fall back.
    """
    from datetime import timedelta

    from syncd.runtime.demo import run_demo
    from syncd.runtime.demo_dir import DemoDirRefused
    from syncd.runtime.logging import configure_logging

    settings = _sandbox_settings(config, source, crm)
    configure_logging(settings.daemon)
    try:
        ports = (source_port, crm_port)
        step = timedelta(minutes=step_minutes)
        run_demo(
            settings, typer.echo, data_dir=data_dir, ports=ports, responses=responses, step=step
        )
    except DemoDirRefused as error:
        typer.echo(f"syncd demo: {error}", err=True)
        raise typer.Exit(2) from error


@app.command()
def sandbox(
    config: SandboxConfigOption = None,
    source_port: Annotated[int | None, _port_option("survey API", "config's")] = None,
    crm_port: Annotated[int | None, _port_option("CRM", "config's")] = None,
    source: SandboxSourceOption = None,
    crm: SandboxCrmOption = None,
) -> None:
    """Serve the sandbox fakes until Ctrl-C, for a manual `syncd run` against them.

    A taken port falls back to a free one; the output names the URLs and the matching command.
    """
    from syncd.clock import utcnow
    from syncd.runtime.demo import start_sandbox
    from syncd.runtime.demo_config import packaged_config, run_hint
    from syncd.sandbox.defaults import DEFAULT_CRM, DEFAULT_SOURCE
    from syncd.sandbox.world import seed

    settings = _sandbox_settings(config, source, crm)
    stop = threading.Event()
    _stop_on_signals(stop)  # before the URLs are printed: a reader may stop us right after
    running, served = start_sandbox(settings, source_port=source_port, crm_port=crm_port)
    world = seed(running.source, running.crm, now=utcnow())
    typer.echo(f"sandbox up: {len(world.responses)} answers; Ctrl-C to stop")
    for line in running.describe():
        typer.echo(line)
    with packaged_config(source or DEFAULT_SOURCE, crm or DEFAULT_CRM) as packaged:
        typer.echo(f"Run the daemon against it: {run_hint(config or packaged, settings, served)}")
        stop.wait()  # the packaged config's file lives as long as the sandbox serves
    running.stop()


@config_app.command("validate")
def config_validate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the config; every problem is listed, and the exit code is non-zero on any."""
    settings = settings_or_exit(config)
    typer.echo(
        f"{config}: OK ({len(settings.sources)} source(s), crm {settings.crm.kind}, "
        f"{len(settings.routing.rules)} routing rule(s))"
    )


def main() -> None:
    """Console entry point: run the command line; an unexpected crash is logged as one event."""
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    try:
        app()
    except Exception:
        # One structured event (a JSON line in containers), not a bare traceback.
        from syncd.runtime.logging import log_crash

        log_crash()
        sys.exit(1)


if __name__ == "__main__":
    main()
