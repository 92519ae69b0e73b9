"""Poll: read a source's responses into the inbox, then advance its cursor.

The cursor trails "now" by the source's visibility lag and each poll re-reads an overlap window,
because sources publish late and their time filters are inclusive. The cursor moves in the same
transaction that stores a page, and only as far as the source says its listing is complete
(``SourcePage.through``), or to a window's end once every page of it is stored: it never runs
ahead of stored data. A pass is bounded in pages and time and ends on stop; what it stored stays
stored and the next pass continues from the cursor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine

from syncd.clock import from_ms, to_ms
from syncd.contracts import DelayedSource, SurveySource
from syncd.pipeline.pages import Budget, bounded
from syncd.pipeline.records import keep_page
from syncd.settings import SourceSettings
from syncd.store import cursors

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PollResult:
    """What one poll pass of one source did; every item read is in exactly one count."""

    source: str
    fetched: int = 0
    stored: int = 0
    rejected: int = 0
    #: Items the source deliberately did not take (another survey type).
    skipped: int = 0
    pages: int = 0
    windows: int = 0
    #: Why the pass ended before reaching "now" (a bound, stop, an unfinished listing).
    cut_short: str | None = None


@dataclass(frozen=True, slots=True)
class Interleave:
    """Work to run after every ``every_pages`` stored pages (the daemon plans and delivers)."""

    run: Callable[[], None]
    every_pages: int = 20


def cursor_name(source: str) -> str:
    """The name of a source's cursor in the store."""
    return f"source:{source}"


def poll_source(
    engine: Engine,
    source: SurveySource,
    settings: SourceSettings,
    *,
    now: datetime,
    stop: threading.Event | None = None,
    interleave: Interleave | None = None,
) -> PollResult:
    """Fetch everything since the cursor (minus overlap) up to ``now - lag``, within bounds.

    With ``interleave``, its work runs between slices of pages, so a backfill's first answers
    go out while the rest is still being read.
    """
    result = PollResult(source.name)
    budget = Budget(settings.max_pages_per_pass, settings.max_pass_seconds, stop)
    with engine.begin() as conn:
        watermark = cursors.get_watermark(conn, cursor_name(source.name))
    until = now - lag(source, settings)
    start = _start(watermark, settings, now)
    for since, end in windows(start, until, source.max_window):
        if not _poll_window(engine, source, (since, end), budget, result, now, interleave):
            break
        result.windows += 1
    _log_outcome(result)
    return result


def lag(source: SurveySource, settings: SourceSettings) -> timedelta:
    """How far behind "now" polling stays: the configured lag, at least the source's own."""
    configured = timedelta(seconds=settings.lag_seconds)
    if isinstance(source, DelayedSource):
        return max(configured, source.visibility_lag)
    return configured


def _poll_window(
    engine: Engine,
    source: SurveySource,
    window: tuple[datetime, datetime],
    budget: Budget,
    result: PollResult,
    now: datetime,
    interleave: Interleave | None = None,
) -> bool:
    """Store one window's pages; True when all of it was read and the cursor is at its end."""
    since, end = window
    through: datetime | None = None
    for page in bounded(source.fetch(since, end), budget):
        through = page.through
        with engine.begin() as conn:
            _count(result, keep_page(conn, page, to_ms(now)))
            if through is not None:
                _advance(conn, source.name, min(through, end), now)
        result.pages += 1
        if interleave is not None and result.pages % interleave.every_pages == 0:
            interleave.run()
    if budget.spent is not None:
        result.cut_short = budget.spent
        return False
    if through is not None and through < end:
        # The source ended its listing early (a page it kept repeating): the rest is unread.
        result.cut_short = f"listing incomplete after {through.isoformat()}"
        return False
    with engine.begin() as conn:
        _advance(conn, source.name, end, now)
    return True


def _advance(conn: Connection, name: str, to: datetime, now: datetime) -> None:
    cursors.advance(conn, cursor_name(name), to_ms(to), to_ms(now))


def _count(result: PollResult, kept: tuple[int, int, int, int]) -> None:
    fetched, stored, rejected, skipped = kept
    result.fetched += fetched
    result.stored += stored
    result.rejected += rejected
    result.skipped += skipped


def _log_outcome(result: PollResult) -> None:
    if result.skipped:
        log.info("items of other survey types skipped", source=result.source, count=result.skipped)
    if result.cut_short is not None:
        # A stop is expected; a bound or an unfinished listing is worth an admin's look.
        emit = log.info if result.cut_short == "stop requested" else log.warning
        emit(
            "poll pass ended early; the next pass continues from the cursor",
            source=result.source,
            reason=result.cut_short,
            pages=result.pages,
        )


def _start(watermark: int | None, settings: SourceSettings, now: datetime) -> datetime:
    if watermark is None:
        return now - timedelta(days=settings.initial_lookback_days)
    return from_ms(watermark) - timedelta(seconds=settings.overlap_seconds)


def windows(
    start: datetime, until: datetime, size: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """Slice ``[start, until]`` into consecutive windows of at most ``size``."""
    since = start
    while since < until:
        end = min(since + size, until)
        yield since, end
        since = end
