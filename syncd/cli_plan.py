"""``syncd plan``: a dry run of every CRM side effect the waiting answers and actions would cause.

Reads the store only (no CRM call, no source or CRM secret needed) and writes nothing: the plan
stage runs in a transaction that is rolled back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, settings_or_exit, store_opening

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from syncd.runtime.dry_run import DryRun
    from syncd.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``syncd plan`` to the command line."""
    app.command("plan")(plan)


def plan(
    config: ConfigOption = DEFAULT_CONFIG,
    limit: Annotated[
        int, typer.Option(min=1, help="Plan at most this many waiting answers.")
    ] = 5000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every CRM write pending answers and actions would cause; change nothing."""
    from zoneinfo import ZoneInfo

    from syncd.clock import to_ms, utcnow
    from syncd.runtime.dry_run import dry_run

    settings = settings_or_exit(config, secrets=False)
    with store_opening(settings):
        engine = _existing_store(settings)
        try:
            found = dry_run(
                engine,
                settings.crm.name,
                settings.routing,
                ZoneInfo(settings.daemon.timezone),
                now_ms=to_ms(utcnow()),
                match_by=settings.crm.match_contacts_by,
                limit=limit,
            )
        finally:
            engine.dispose()
    typer.echo(_as_json(found) if as_json else _as_text(found))


def _existing_store(settings: Settings) -> Engine:
    from sqlalchemy.engine import make_url

    from syncd.store.engine import open_engine

    url = settings.daemon.resolved_database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        typer.echo(f"syncd: no store at {parsed.database}: nothing is waiting", err=True)
        raise typer.Exit(2)
    return open_engine(url)


def _as_json(found: DryRun) -> str:
    return json.dumps(
        {
            "counts": found.counts(),
            "answers_planned": found.plan.planned,
            "truncated": found.truncated,
            "no_task": found.no_task,
            "effects": [
                {"key": e.key, "kind": e.kind, "origin": e.origin, **e.details}
                for e in found.effects
            ],
        },
        indent=2,
    )


def _as_text(found: DryRun) -> str:
    lines = [
        f"{e.kind:<12} {e.origin:<9} {e.key}  "
        + "  ".join(f"{name}={value}" for name, value in e.details.items())
        for e in found.effects
    ]
    lines += [f"no task      {key}: {reason}" for key, reason in sorted(found.no_task.items())]
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(found.counts().items())) or "nothing"
    lines.append(
        f"{found.plan.planned} waiting answer(s) planned (dry run, nothing kept); "
        f"CRM writes: {counts}; unmatchable {found.plan.unmatchable}, "
        f"throttled {found.plan.throttled}, merged {found.plan.merged}"
    )
    if found.truncated:
        lines.append("more answers wait than --limit allowed; raise it to see them all")
    return "\n".join(lines)
