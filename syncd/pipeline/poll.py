"""Poll: read a source's responses into the inbox, then advance its cursor.

The cursor trails "now" by the source's visibility lag, and a second cursor reads every answer
once more when it is an overlap old, because sources publish late and their time filters are
inclusive (see ``syncd.pipeline.poll_order``). A cursor moves in the same transaction that
stores a page, and only as far as the source says its listing is complete
(``SourcePage.through``), or to a window's end once every page of it is stored: it never runs
ahead of stored data. A pass is bounded in pages and time and ends on stop; what it stored stays
stored and the next pass continues from the cursors.
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
from syncd.model import SourcePage
from syncd.pipeline.pages import Budget, bounded
from syncd.pipeline.poll_order import Phase, read_order
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
    #: Asked after every page: True runs the work now (the daemon: answers were pushed).
    due: Callable[[], bool] = lambda: False


def cursor_name(source: str) -> str:
    """The name of a source's read cursor in the store."""
    return f"source:{source}"


def sweep_name(source: str) -> str:
    """The name of a source's sweep cursor (the second read) in the store."""
    return f"source:{source}:sweep"


def poll_source(
    engine: Engine,
    source: SurveySource,
    settings: SourceSettings,
    *,
    now: datetime,
    stop: threading.Event | None = None,
    interleave: Interleave | None = None,
) -> PollResult:
    """Fetch everything new since the cursor up to ``now - lag``, then once more what is an
    overlap old, within bounds.

    With ``interleave``, its work runs between slices of pages, so a backfill's first answers
    go out while the rest is still being read, and after every page of a steady pass's new
    answers, so they are planned at once; and after any page once ``interleave.due`` says so
    (answers pushed by webhook are waiting).
    """
    result = PollResult(source.name)
    budget = Budget(settings.max_pages_per_pass, settings.max_pass_seconds, stop)
    reader = _Reader(engine, source, budget, result, now, interleave)
    with engine.begin() as conn:
        watermark = cursors.get_watermark(conn, cursor_name(source.name))
        sweep = cursors.get_watermark(conn, sweep_name(source.name))
    order = read_order(
        None if watermark is None else from_ms(watermark),
        None if sweep is None else from_ms(sweep),
        now - lag(source, settings),
        timedelta(seconds=settings.overlap_seconds),
        now - timedelta(days=settings.initial_lookback_days),
    )
    if reader.read(order.phases):
        with engine.begin() as conn:
            _advance(conn, sweep_name(source.name), order.sweep_to, now)
    _log_outcome(result)
    return result


def lag(source: SurveySource, settings: SourceSettings) -> timedelta:
    """How far behind "now" polling stays: the configured lag, at least the source's own."""
    configured = timedelta(seconds=settings.lag_seconds)
    if isinstance(source, DelayedSource):
        return max(configured, source.visibility_lag)
    return configured


@dataclass(slots=True)
class _Reader:
    """One pass's reading: stores pages, moves the cursors and hands over to the interleave."""

    engine: Engine
    source: SurveySource
    budget: Budget
    result: PollResult
    now: datetime
    interleave: Interleave | None
    #: Pages stored since the interleaved work last ran.
    unplanned: int = 0

    def read(self, phases: tuple[Phase, ...]) -> bool:
        """Read ``phases`` in order; True when all of them were read to their end."""
        for phase in phases:
            for window in windows(phase.since, phase.until, self.source.max_window):
                if not self._window(window, phase):
                    return False
                self.result.windows += 1
        return True

    def _window(self, window: tuple[datetime, datetime], phase: Phase) -> bool:
        """Store one window's pages; True when all of it was read (and the phase's cursor is at
        its end)."""
        since, end = window
        through: datetime | None = None
        cursor = (sweep_name if phase.sweep else cursor_name)(self.source.name)
        for page in bounded(self.source.fetch(since, end), self.budget):
            through = page.through
            self._store(page, cursor, None if through is None else min(through, end))
            self._hand_over(phase.eager)
        if self.budget.spent is not None:
            self.result.cut_short = self.budget.spent
            return False
        if through is not None and through < end:
            # The source ended its listing early (a page it kept repeating): the rest is unread.
            self.result.cut_short = f"listing incomplete after {through.isoformat()}"
            return False
        with self.engine.begin() as conn:
            _advance(conn, cursor, end, self.now)
        return True

    def _store(self, page: SourcePage, cursor: str, cursor_to: datetime | None) -> None:
        """Keep ``page`` and, in the same transaction, move ``cursor`` to ``cursor_to``."""
        with self.engine.begin() as conn:
            _count(self.result, keep_page(conn, page, to_ms(self.now)))
            if cursor_to is not None:
                _advance(conn, cursor, cursor_to, self.now)
        self.result.pages += 1
        self.unplanned += 1

    def _hand_over(self, eager: bool) -> None:
        if self.interleave is None:
            return
        if eager or self.unplanned >= self.interleave.every_pages or self.interleave.due():
            self.unplanned = 0
            self.interleave.run()


def _advance(conn: Connection, cursor: str, to: datetime, now: datetime) -> None:
    cursors.advance(conn, cursor, to_ms(to), to_ms(now))


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


def windows(
    start: datetime, until: datetime, size: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """Slice ``[start, until]`` into consecutive windows of at most ``size``."""
    since = start
    while since < until:
        end = min(since + size, until)
        yield since, end
        since = end
