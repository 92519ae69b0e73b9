"""``syncd import`` and ``syncd backfill``: answers into the inbox outside the daemon's polling."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, open_store, settings_or_exit

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from syncd.intake.backfill import Backfill
    from syncd.intake.mapping import FieldMapping
    from syncd.settings import Settings

SourceName = Annotated[str, typer.Option("--source", help="The source the answers belong to.")]


def register(app: typer.Typer) -> None:
    """Add ``syncd import`` and ``syncd backfill`` to the command line."""
    app.command("import")(import_file)
    app.command("backfill")(backfill)


def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A CSV file, header first.")
    ],
    source: SourceName,
    config: ConfigOption = DEFAULT_CONFIG,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            "--mapping",
            help="field=column, repeatable (e.g. --map score=NPS); over \\[imports.<source>].",
        ),
    ] = None,
    delimiter: Annotated[str, typer.Option(help="The column separator.")] = ",",
) -> None:
    """Import a CSV export into the inbox: same dedupe and quarantine as polling; rerunnable.

    Columns default to the field names (response_id, score, submitted_at, updated_at, email,
    external_id, comment); bad rows are quarantined with their row number (the header is row 1).
    """
    from syncd.clock import utcnow
    from syncd.intake.csv_import import ImportRefused, import_csv

    settings = settings_or_exit(config)
    columns = _mapping(settings, source, mapping or [])
    if len(delimiter) != 1:
        _usage("--delimiter must be one character")
    with open_store(config) as engine, file.open(encoding="utf-8-sig", newline="") as lines:
        try:
            result = import_csv(engine, source, lines, columns, now=utcnow(), delimiter=delimiter)
        except ImportRefused as error:
            _usage(f"{file}: {error}")
        except UnicodeDecodeError as error:
            _usage(f"{file}: not UTF-8 text ({error.reason} at byte {error.start})")
    typer.echo(f"imported {file}: {result.summary()}")


def _mapping(settings: Settings, source: str, pairs: list[str]) -> FieldMapping:
    from syncd.intake.mapping import FieldMapping

    if source not in settings.sources and source not in settings.imports:
        _usage(f"--source {source!r}: name a [sources.<name>] or an [imports.<name>] table")
    overrides: dict[str, str] = {}
    for pair in pairs:
        field, equals, column = pair.partition("=")
        if not equals or not field.strip() or not column.strip():
            _usage(f"--map {pair!r}: expected field=column")
        overrides[field.strip()] = column.strip()
    try:
        return settings.imports.get(source, FieldMapping()).with_columns(overrides)
    except ValueError as error:
        _usage(f"--map: {str(error).splitlines()[0]}: {', '.join(overrides)}")
        raise  # unreachable: _usage exits


def backfill(
    source: SourceName,
    since: Annotated[datetime, typer.Option(help="Read answers from this date (UTC) on.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Read one source from --since to now, with progress; rerun the same command to resume.

    Uses the source's own rate limiter and retries, and its own cursor: the daemon's cursor is
    left alone, and answers the daemon also reads are stored once.
    """
    from syncd.errors import SourceError

    settings = settings_or_exit(config)
    if source not in settings.sources or not settings.sources[source].enabled:
        _usage(f"--source {source!r}: not an enabled [sources.<name>] table")
    start = since if since.tzinfo else since.replace(tzinfo=UTC)
    try:
        with open_store(config) as engine:
            done = _backfill(engine, settings, source, start)
    except KeyboardInterrupt:
        typer.echo("backfill interrupted; run the same command again to continue", err=True)
        raise typer.Exit(130) from None
    except SourceError as error:
        typer.echo(f"syncd: backfill of {source} stopped: {error}; rerun to continue", err=True)
        raise typer.Exit(1) from None
    typer.echo(_backfill_line(done))


def _backfill(engine: Engine, settings: Settings, name: str, start: datetime) -> Backfill:
    """Build the sources as the daemon does (rate budgets shared through the store on
    PostgreSQL, so a backfill and the running replicas pace together) and read ``name``."""
    from syncd.clock import utcnow
    from syncd.intake.backfill import run_backfill
    from syncd.runtime.building import build_sources, shared_limiters

    sources = build_sources(settings, shared_limiters(engine))
    try:
        with _progress() as show:
            section = settings.sources[name]
            return run_backfill(
                engine, sources[name], section, since=start, now=utcnow(), on_page=show
            )
    finally:
        for built in sources.values():
            built.close()


def _backfill_line(done: Backfill) -> str:
    state = "complete" if done.done else f"stopped at {done.through:%Y-%m-%d %H:%M:%S}Z"
    return (
        f"backfill of {done.source} from {done.start:%Y-%m-%d}: {state}; {done.pages} page(s), "
        f"{done.stored} answer(s) stored or updated, {done.quarantined} quarantined"
        + (f", {done.retries} transient failure(s) waited out" if done.retries else "")
    )


class _progress:
    """A rich progress bar over the backfill's span, advanced to how far it is complete."""

    def __enter__(self) -> _progress:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[stored]} stored"),
            TimeElapsedColumn(),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task("backfill", total=1.0, stored=0)
        return self

    def __call__(self, progress: Backfill) -> None:
        span = (progress.end - progress.start).total_seconds() or 1.0
        share = (progress.through - progress.start).total_seconds() / span
        label = f"{progress.source} to {progress.through:%Y-%m-%d %H:%M}"
        self._bar.update(
            self._task, completed=min(share, 1.0), description=label, stored=progress.stored
        )

    def __exit__(self, *_: object) -> None:
        self._bar.stop()


def _usage(message: str) -> None:
    typer.echo(f"syncd: {message}", err=True)
    raise typer.Exit(2)
