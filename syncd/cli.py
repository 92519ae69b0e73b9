"""The ``syncd`` command line."""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.cli_admin import register as register_admin_commands
from syncd.errors import ConfigError

if TYPE_CHECKING:
    from syncd.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Close the NPS loop: survey answers -> CRM contacts -> owned tasks.",
)
config_app = typer.Typer(no_args_is_help=True, help="Check and inspect the configuration.")
app.add_typer(config_app, name="config")
register_admin_commands(app)  # check, deadletter, quarantine

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config", "-c", envvar="SYNCD_CONFIG", help="TOML config file.", show_default=True
    ),
]
DEFAULT_CONFIG = Path("config/syncd.toml")


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _settings(path: Path) -> Settings:
    from syncd.runtime.compose import load

    try:
        return load(path)
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error


@app.command()
def run(
    config: ConfigOption = DEFAULT_CONFIG,
    once: Annotated[
        bool, typer.Option("--once", help="One pass of every stage, then exit.")
    ] = False,
) -> None:
    """Run the daemon: poll, plan, deliver and track every interval until SIGTERM/SIGINT."""
    from syncd.runtime.compose import build_daemon
    from syncd.runtime.logging import configure_logging

    settings = _settings(config)
    configure_logging(settings.daemon)
    daemon = build_daemon(settings)
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        if once:
            summary = daemon.run_once(stop)
            raise typer.Exit(1 if summary.errors else 0)
        daemon.run_forever(stop)
    finally:
        daemon.close()


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        # Finish the batch in flight, release claims, exit 0: nothing is lost or doubled.
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


@app.command()
def demo(
    config: ConfigOption = Path("config/demo.toml"),
    responses: Annotated[int, typer.Option(help="How many survey answers to seed.")] = 300,
) -> None:
    """Run the whole loop against the built-in sandbox (SQLite, no accounts) and report."""
    from syncd.runtime.demo import run_demo
    from syncd.runtime.logging import configure_logging

    settings = _settings(config)
    configure_logging(settings.daemon)
    _, sandbox = run_demo(settings, typer.echo, responses=responses)
    sandbox.stop()


@app.command()
def sandbox(config: ConfigOption = Path("config/demo.toml")) -> None:
    """Serve the sandbox fakes on the config's ports until Ctrl-C, for a manual `syncd run`."""
    from syncd.clock import utcnow
    from syncd.runtime.demo import start_sandbox
    from syncd.sandbox.world import seed

    running, _ = start_sandbox(_settings(config))
    world = seed(running.delighted, running.hubspot, now=utcnow())
    typer.echo(f"sandbox up: {len(world.responses)} answers; Ctrl-C to stop")
    stop = threading.Event()
    _stop_on_signals(stop)
    stop.wait()
    running.stop()


@config_app.command("validate")
def config_validate(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the config; every problem is listed, and the exit code is non-zero on any."""
    settings = _settings(config)
    typer.echo(
        f"{config}: OK ({len(settings.sources)} source(s), crm {settings.crm.kind}, "
        f"{len(settings.routing.rules)} routing rule(s))"
    )


@app.command()
def report(
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.TEXT,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    since: Annotated[datetime | None, typer.Option(help="Only answers from this time on.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
) -> None:
    """Loop-closure metrics: time to task, first touch, close; SLA share; backlog; NPS."""
    from syncd.clock import utcnow
    from syncd.report import build_report, render_csv, render_html, render_json, render_text
    from syncd.store.engine import migrate, open_engine

    settings = _settings(config)
    engine = open_engine(settings.daemon.resolved_database_url())
    migrate(engine)
    renderers = {
        ReportFormat.TEXT: render_text,
        ReportFormat.JSON: render_json,
        ReportFormat.CSV: render_csv,
        ReportFormat.HTML: render_html,
    }
    with engine.connect() as conn:
        built = build_report(conn, now=utcnow(), since=since, source=source)
    text = renderers[fmt](built)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":
    main()
