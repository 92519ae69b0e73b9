"""Operator commands: ``syncd check``, ``syncd deadletter …`` and ``syncd quarantine …``.

Replays never run a delivery themselves: they make the work due again, and the running daemon
(or the next ``syncd run --once``) delivers it, with the same exactly-once guarantees.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from syncd.settings import Settings
    from syncd.store.deadletters import DeadFilter
    from syncd.store.quarantine import QuarantinedItem
    from syncd.store.quarantine_admin import QuarantineFilter

deadletter_app = typer.Typer(no_args_is_help=True, help="Actions given up after their retries.")
quarantine_app = typer.Typer(no_args_is_help=True, help="Input syncd could not process.")

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", envvar="SYNCD_CONFIG", help="TOML config file.")
]
DEFAULT_CONFIG = Path("config/syncd.toml")
Since = Annotated[datetime | None, typer.Option(help="Only items from this time on (UTC).")]
Source = Annotated[str | None, typer.Option(help="Only this source.")]
Contains = Annotated[
    str | None, typer.Option("--reason-contains", help="Only items whose error contains this.")
]
Ids = Annotated[list[int] | None, typer.Argument(help="Item ids, as the list command shows.")]
Everything = Annotated[bool, typer.Option("--all", help="Every item (when no id/filter given).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")]


def register(app: typer.Typer) -> None:
    """Add the operator commands to the ``syncd`` command line."""
    app.command("check")(check)
    app.add_typer(deadletter_app, name="deadletter")
    app.add_typer(quarantine_app, name="quarantine")


def check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Verify every dependency against the real store, sources and CRM; non-zero on any failure."""
    from syncd.runtime.check import run_checks
    from syncd.runtime.compose import build_crm, build_sources

    settings = _settings(config)
    sources, crm = build_sources(settings), build_crm(settings)
    try:
        url = settings.daemon.resolved_database_url()
        results = run_checks(url, sources, crm, settings.routing)
    finally:
        for source in sources.values():
            source.close()
        crm.close()
    for result in results:
        typer.echo(str(result))
    failed = sum(not result.ok for result in results)
    typer.echo(f"{len(results)} check(s), {failed} failed", err=True)
    raise typer.Exit(1 if failed else 0)


@deadletter_app.command("list")
def deadletter_list(
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    kind: Annotated[
        str | None, typer.Option(help="sync_contact, create_task, update_task.")
    ] = None,
    source: Source = None,
    reason_contains: Contains = None,
) -> None:
    """Dead actions with their last error, oldest first."""
    from syncd.store.deadletters import list_dead

    wanted = _dead_filter(since, kind, source, reason_contains, [])
    with _store(config) as engine, engine.connect() as conn:
        letters = list_dead(conn, wanted)
    for letter in letters:
        typer.echo(
            f"{letter.id}\t{_when(letter.updated_ms)}\t{letter.key}\t"
            f"attempts={letter.attempts}\t{letter.last_error}"
        )
    typer.echo(f"{len(letters)} dead action(s)", err=True)


@deadletter_app.command("replay")
def deadletter_replay(
    ids: Ids = None,
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    kind: Annotated[
        str | None, typer.Option(help="sync_contact, create_task, update_task.")
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
    _require_selection(wanted != _dead_filter(None, None, None, None, []) or everything)
    with _store(config) as engine, engine.begin() as conn:
        if dry_run:
            keys = [letter.key for letter in list_dead(conn, wanted)]
        else:
            keys = replay_dead(conn, wanted, to_ms(utcnow()))
    for key in keys:
        typer.echo(key)
    verb = "would be replayed" if dry_run else "due again; the daemon delivers them next pass"
    typer.echo(f"{len(keys)} action(s) {verb}", err=True)


@quarantine_app.command("list")
def quarantine_list(
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    source: Source = None,
    stage: Annotated[str | None, typer.Option(help="poll or deliver.")] = None,
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. unknown_contact.")] = None,
    reason_contains: Contains = None,
    resolved: Annotated[bool, typer.Option("--resolved", help="Include resolved.")] = False,
) -> None:
    """Quarantined items with their reasons (unresolved only, unless --resolved)."""
    from syncd.store.quarantine_admin import list_items

    wanted = _q_filter(since, source, stage, reason, reason_contains, [], resolved)
    with _store(config) as engine, engine.connect() as conn:
        items = list_items(conn, wanted)
    for item in items:
        typer.echo(_item_line(item))
    typer.echo(f"{len(items)} item(s)", err=True)


@quarantine_app.command("replay")
def quarantine_replay(
    ids: Ids = None,
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    source: Source = None,
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. unknown_contact.")] = None,
    reason_contains: Contains = None,
    everything: Everything = False,
    dry_run: DryRun = False,
) -> None:
    """Send deliver-stage items again (e.g. a contact added since) and resolve them.

    Poll-stage items (malformed answers) are listed as left: correct them at the source, the
    next poll reads them again; then `syncd quarantine resolve` them.
    """
    from syncd.clock import to_ms, utcnow
    from syncd.store.quarantine_admin import ReplayReport, list_items, replay_items

    wanted = _q_filter(since, source, None, reason, reason_contains, ids or [], False)
    _require_selection(bool(ids or since or source or reason or reason_contains) or everything)
    with _store(config) as engine, engine.begin() as conn:
        items = list_items(conn, wanted)
        if dry_run:
            report = ReplayReport(replayed=[i.payload for i in items if i.stage == "deliver"])
        else:
            report = replay_items(conn, items, to_ms(utcnow()))
    for key in report.replayed:
        typer.echo(f"replayed\t{key}")
    for item, why in report.left:
        typer.echo(f"left\t{_item_line(item)}\t{why}")
    verb = "would be replayed" if dry_run else "due again"
    typer.echo(f"{len(report.replayed)} action(s) {verb}, {len(report.left)} left", err=True)


@quarantine_app.command("resolve")
def quarantine_resolve(
    ids: Ids = None,
    config: ConfigOption = DEFAULT_CONFIG,
    since: Since = None,
    source: Source = None,
    stage: Annotated[str | None, typer.Option(help="poll or deliver.")] = None,
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. malformed.")] = None,
    reason_contains: Contains = None,
    everything: Everything = False,
) -> None:
    """Mark items handled: they leave the list and are not replayed."""
    from syncd.clock import to_ms, utcnow
    from syncd.store.quarantine_admin import list_items, resolve_items

    wanted = _q_filter(since, source, stage, reason, reason_contains, ids or [], False)
    chosen = bool(ids or since or source or stage or reason or reason_contains)
    _require_selection(chosen or everything)
    with _store(config) as engine, engine.begin() as conn:
        items = list_items(conn, wanted)
        count = resolve_items(conn, [item.id for item in items], to_ms(utcnow()))
    typer.echo(f"{count} item(s) resolved", err=True)


def _settings(path: Path) -> Settings:
    from syncd.runtime.compose import load

    try:
        return load(path)
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error


@contextmanager
def _store(config: Path) -> Iterator[Engine]:
    from syncd.store.engine import migrate, open_engine

    engine = open_engine(_settings(config).daemon.resolved_database_url())
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


def _require_selection(chosen: bool) -> None:
    if not chosen:
        typer.echo("syncd: name item ids or a filter, or pass --all for every item", err=True)
        raise typer.Exit(2)


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _item_line(item: QuarantinedItem) -> str:
    return (
        f"{item.id}\t{_when(item.created_ms)}\t{item.source}:{item.response_id or '?'}\t"
        f"{item.stage}\t{item.reason_code}\t{item.reason}"
    )


def _dead_filter(
    since: datetime | None,
    kind: str | None,
    source: str | None,
    contains: str | None,
    ids: list[int],
) -> DeadFilter:
    from syncd.store.deadletters import DeadFilter

    return DeadFilter(_ms(since), kind, source, contains, tuple(ids))


def _q_filter(
    since: datetime | None,
    source: str | None,
    stage: str | None,
    reason: str | None,
    contains: str | None,
    ids: list[int],
    resolved: bool,
) -> QuarantineFilter:
    from syncd.store.quarantine_admin import QuarantineFilter

    return QuarantineFilter(_ms(since), source, stage, reason, contains, tuple(ids), resolved)
