"""``syncd quarantine list|replay|resolve``: input syncd could not process, for an admin."""

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
    utc_ms,
    utc_text,
)

if TYPE_CHECKING:
    from syncd.store.quarantine import QuarantinedItem
    from syncd.store.quarantine_admin import QuarantineFilter

quarantine_app = typer.Typer(no_args_is_help=True, help="Input syncd could not process.")


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
    with open_store(config) as engine, engine.connect() as conn:
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
    require_selection(bool(ids or since or source or reason or reason_contains) or everything)
    with open_store(config) as engine, engine.begin() as conn:
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
    require_selection(chosen or everything)
    with open_store(config) as engine, engine.begin() as conn:
        items = list_items(conn, wanted)
        count = resolve_items(conn, [item.id for item in items], to_ms(utcnow()))
    typer.echo(f"{count} item(s) resolved", err=True)


def _item_line(item: QuarantinedItem) -> str:
    return (
        f"{item.id}\t{utc_text(item.created_ms)}\t{item.source}:{item.response_id or '?'}\t"
        f"{item.stage}\t{item.reason_code}\t{item.reason}"
    )


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

    return QuarantineFilter(utc_ms(since), source, stage, reason, contains, tuple(ids), resolved)
