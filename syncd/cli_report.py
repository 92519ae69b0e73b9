"""``syncd report``: loop-closure metrics from the store, as a table, JSON, CSV or HTML.

Reads only ``[daemon]`` of the config (where the store is): no CRM or source secret is needed.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption


class ReportFormat(StrEnum):
    """Output formats of ``syncd report`` (``text`` is the older name of ``table``)."""

    TABLE = "table"
    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


class GroupBy(StrEnum):
    """The breakdowns ``--group-by`` offers."""

    CATEGORY = "category"
    TEAM = "team"
    OWNER = "owner"
    SOURCE = "source"
    SURVEY = "survey"
    WEEK = "week"


class Rows(StrEnum):
    """What a CSV holds, or which rows a JSON document adds."""

    GROUPS = "groups"
    WEEKS = "weeks"
    RESPONSES = "responses"


def report(
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only answers given from this time on (UTC).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Only answers given before this time (UTC).")
    ] = None,
    group_by: Annotated[
        GroupBy | None,
        typer.Option("--group-by", help="One breakdown instead of category, team and owner."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    rows: Annotated[
        Rows,
        typer.Option(
            help="CSV: which table (per group, per week, per response). JSON: 'responses' adds "
            "per-response rows (the document always has the weekly series)."
        ),
    ] = Rows.GROUPS,
    include_personal: Annotated[
        bool,
        typer.Option(
            "--include-personal",
            help="Include respondent and owner emails and quarantined items (off: shareable).",
        ),
    ] = False,
    sla_target: Annotated[
        float, typer.Option(min=0, max=1, help="Target share closed within SLA, for the charts.")
    ] = 0.9,
) -> None:
    """Loop-closure metrics from the store: NPS, time to task, first touch, close, SLA, backlog."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from syncd.clock import to_ms, utcnow
    from syncd.errors import ConfigError
    from syncd.report import build_report, render_html, render_text
    from syncd.report.formats import write_csv, write_json
    from syncd.report.period import Period
    from syncd.report.rows import response_rows
    from syncd.report.store_access import StoreMissing, daemon_settings, open_existing_store
    from syncd.store.engine import StoreUnavailable

    try:
        url = daemon_settings(config).resolved_database_url()
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        engine = open_existing_store(url)
    except (StoreMissing, StoreUnavailable) as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from None
    except (SQLAlchemyError, OSError) as error:
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        typer.echo(f"syncd: cannot open the store {shown}: {reason}", err=True)
        raise typer.Exit(2) from None
    now = utcnow()
    try:
        with engine.connect() as conn, ExitStack() as stack:
            built = build_report(
                conn,
                now=now,
                since=since,
                until=until,
                source=source,
                group_by=group_by.value if group_by else None,
                sla_target=sla_target,
            )
            out: TextIO = (
                stack.enter_context(output.open("w", encoding="utf-8", newline=""))
                if output is not None
                else sys.stdout
            )
            per_response = (
                response_rows(
                    conn, Period.of(since, until, source), to_ms(now), personal=include_personal
                )
                if rows is Rows.RESPONSES
                else None
            )
            if fmt is ReportFormat.JSON:
                write_json(built, out, personal=include_personal, responses=per_response)
            elif fmt is ReportFormat.CSV:
                write_csv(built, out, rows.value, per_response)
            elif fmt is ReportFormat.HTML:
                out.write(render_html(built, personal=include_personal))
            else:
                out.write(render_text(built))
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add ``syncd report`` to ``app``."""
    app.command("report")(report)
