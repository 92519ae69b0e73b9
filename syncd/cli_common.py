"""What every ``syncd`` command shares: the config option, loading it, and opening the store.

Loading and opening turn every expected failure into one line on stderr and exit status 2, so no
command prints a traceback for a broken config or an unreachable store.
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

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config", "-c", envvar="SYNCD_CONFIG", help="TOML config file.", show_default=True
    ),
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


def settings_or_exit(path: Path, *, secrets: bool = True) -> Settings:
    """The validated settings, or every config problem on stderr and exit status 2.

    ``secrets=False``: secret references stay unresolved (for commands that need none).
    """
    from syncd.runtime.loading import load

    try:
        return load(path, secrets=secrets)
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error


@contextmanager
def store_opening(settings: Settings) -> Iterator[None]:
    """Turn a store that cannot be opened (unreachable, no driver, no disk) into one line."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        url = make_url(settings.daemon.resolved_database_url()).render_as_string(hide_password=True)
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        typer.echo(f"syncd: cannot open the store {url}: {reason}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def open_store(config: Path) -> Iterator[Engine]:
    """The configured store, migrated, disposed of on exit."""
    from syncd.store.engine import migrate, open_engine

    settings = settings_or_exit(config)
    with store_opening(settings):
        engine = open_engine(settings.daemon.resolved_database_url())
        migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def require_selection(chosen: bool) -> None:
    """Exit with usage status 2 unless the operator named items or passed ``--all``."""
    if not chosen:
        typer.echo("syncd: name item ids or a filter, or pass --all for every item", err=True)
        raise typer.Exit(2)


def utc_ms(moment: datetime | None) -> int | None:
    """Epoch milliseconds of a command-line time; a time without zone is taken as UTC."""
    if moment is None:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


def utc_text(ms: int) -> str:
    """Epoch milliseconds as an ISO time in UTC, to the second."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")
