"""Operator commands: ``syncd check`` and ``syncd deadletter …`` (``quarantine`` in its own module).

Replays never run a delivery themselves: they make the work due again, and the running daemon
(or the next ``syncd run --once``) delivers it, with the same exactly-once guarantees.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.cli_common import (
    DEFAULT_CONFIG,
    ConfigOption,
    Contains,
    DryRun,
    Everything,
    Ids,
    Since,
    Source,
    open_store,
    require_selection,
    settings_or_exit,
    utc_ms,
    utc_text,
)

if TYPE_CHECKING:
    from syncd.model import CheckResult
    from syncd.settings import Settings
    from syncd.store.deadletters import DeadFilter

deadletter_app = typer.Typer(no_args_is_help=True, help="Actions given up after their retries.")


def register(app: typer.Typer) -> None:
    """Add the operator commands to the ``syncd`` command line."""
    from syncd.cli_quarantine import quarantine_app

    app.command("check")(check)
    app.add_typer(deadletter_app, name="deadletter")
    app.add_typer(quarantine_app, name="quarantine")


def check(
    config: ConfigOption = DEFAULT_CONFIG,
    local: Annotated[
        bool,
        typer.Option(
            "--local",
            help="Only the store and this container's daemon loop (its HTTP /healthz): cheap "
            "enough for a HEALTHCHECK every 30 s, and spends no CRM allowance.",
        ),
    ] = False,
    healthz_url: Annotated[
        str | None,
        typer.Option(help="With --local: the liveness URL.", show_default="127.0.0.1, [http] port"),
    ] = None,
) -> None:
    """Verify every dependency against the real store, sources and CRM; non-zero on any failure."""
    settings = settings_or_exit(config)
    results = _local_results(settings, healthz_url) if local else _full_results(settings)
    for result in results:
        typer.echo(str(result))
    failed = sum(not result.ok for result in results)
    typer.echo(f"{len(results)} check(s), {failed} failed", err=True)
    raise typer.Exit(1 if failed else 0)


def _full_results(settings: Settings) -> list[CheckResult]:
    from syncd.runtime.building import build_crm, build_sources
    from syncd.runtime.check import run_checks

    sources, crm = build_sources(settings), build_crm(settings)
    try:
        url = settings.daemon.resolved_database_url()
        return run_checks(url, sources, crm, settings.routing)
    finally:
        for source in sources.values():
            source.close()
        crm.close()


def _local_results(settings: Settings, healthz_url: str | None) -> list[CheckResult]:
    from syncd.runtime.local_check import DEFAULT_HTTP_PORT, run_local_checks
    from syncd.runtime.local_check import healthz_url as url_of

    # The [http] table (the daemon's port) may be absent: the default port then.
    port: int = getattr(getattr(settings, "http", None), "port", DEFAULT_HTTP_PORT)
    url = healthz_url or url_of(port)
    return run_local_checks(settings.daemon.resolved_database_url(), url)


@deadletter_app.command("list")
def deadletter_list(
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    kind: Annotated[
        str | None, typer.Option(help="sync_contact, create_task, update_task, mark_loop.")
    ] = None,
    source: Source = None,
    reason_contains: Contains = None,
) -> None:
    """Dead actions with their last error, oldest first."""
    from syncd.store.deadletters import list_dead

    wanted = _dead_filter(since, kind, source, reason_contains, [])
    with open_store(config) as engine, engine.connect() as conn:
        letters = list_dead(conn, wanted)
    for letter in letters:
        typer.echo(
            f"{letter.id}\t{utc_text(letter.updated_ms)}\t{letter.key}\t"
            f"attempts={letter.attempts}\t{letter.last_error}"
        )
    typer.echo(f"{len(letters)} dead action(s)", err=True)


@deadletter_app.command("replay")
def deadletter_replay(
    ids: Ids = None,
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    kind: Annotated[
        str | None, typer.Option(help="sync_contact, create_task, update_task, mark_loop.")
    ] = None,
    source: Source = None,
    reason_contains: Contains = None,
    everything: Everything = False,
    dry_run: DryRun = False,
) -> None:
    """Make dead actions (and what was skipped because of them) due again, with fresh attempts."""
    from syncd.clock import to_ms, utcnow
    from syncd.store.deadletters import list_dead, replay_dead

    wanted = _dead_filter(since, kind, source, reason_contains, ids or [])
    require_selection(wanted != _dead_filter(None, None, None, None, []) or everything)
    with open_store(config) as engine, engine.begin() as conn:
        if dry_run:
            keys = [letter.key for letter in list_dead(conn, wanted)]
        else:
            keys = replay_dead(conn, wanted, to_ms(utcnow()))
    for key in keys:
        typer.echo(key)
    verb = "would be replayed" if dry_run else "due again; the daemon delivers them next pass"
    typer.echo(f"{len(keys)} action(s) {verb}", err=True)


def _dead_filter(
    since: datetime | None,
    kind: str | None,
    source: str | None,
    contains: str | None,
    ids: list[int],
) -> DeadFilter:
    from syncd.store.deadletters import DeadFilter

    return DeadFilter(utc_ms(since), kind, source, contains, tuple(ids))
