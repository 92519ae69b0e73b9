"""Poll: read a source's responses into the inbox, then advance its cursor.

The cursor trails "now" by the source's visibility lag and each poll re-reads an overlap window,
because sources publish late and their time filters are inclusive. The cursor moves in the same
transaction that stores a page, and only as far as the source says its listing is complete
(``SourcePage.through``), or to a window's end once every page of it is stored: it never runs
ahead of stored data. In steady state a pass reads the new answers before the overlap, and its
cursor moves only once both are read (see ``syncd.pipeline.poll_order``). A pass is bounded in
pages and time and ends on stop; what it stored stays stored and the next pass continues from
the cursor.
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
    go out while the rest is still being read, and after every page of a steady pass's new
    answers, so they are planned before the overlap is re-read.
    """
    result = PollResult(source.name)
    budget = Budget(settings.max_pages_per_pass, settings.max_pass_seconds, stop)
    reader = _Reader(engine, source, budget, result, now, interleave)
    with engine.begin() as conn:
        watermark = cursors.get_watermark(conn, cursor_name(source.name))
    order = read_order(
        None if watermark is None else from_ms(watermark),
        now - lag(source, settings),
        timedelta(seconds=settings.overlap_seconds),
        now - timedelta(days=settings.initial_lookback_days),
    )
    if reader.read(order.phases) and order.settle_at is not None:
        with engine.begin() as conn:
            _advance(conn, source.name, order.settle_at, now)
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
    """One pass's reading: stores pages, moves the cursor and hands over to the interleave."""

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
        """Store one window's pages; True when all of it was read (and, if the phase moves
        the cursor, the cursor is at its end)."""
        since, end = window
        through: datetime | None = None
        for page in bounded(self.source.fetch(since, end), self.budget):
            through = page.through
            self._store(page, _cursor_after(through, end, phase))
            self._hand_over(phase.eager)
        if self.budget.spent is not None:
            self.result.cut_short = self.budget.spent
            return False
        if through is not None and through < end:
            # The source ended its listing early (a page it kept repeating): the rest is unread.
            self.result.cut_short = f"listing incomplete after {through.isoformat()}"
            return False
        if phase.moves_cursor:
            with self.engine.begin() as conn:
                _advance(conn, self.source.name, end, self.now)
        return True

    def _store(self, page: SourcePage, cursor_to: datetime | None) -> None:
        """Keep ``page`` and, in the same transaction, move the cursor to ``cursor_to``."""
        with self.engine.begin() as conn:
            _count(self.result, keep_page(conn, page, to_ms(self.now)))
            if cursor_to is not None:
                _advance(conn, self.source.name, cursor_to, self.now)
        self.result.pages += 1
        self.unplanned += 1

    def _hand_over(self, eager: bool) -> None:
        if self.interleave is None:
            return
        if eager or self.unplanned >= self.interleave.every_pages:
            self.unplanned = 0
            self.interleave.run()


def _cursor_after(through: datetime | None, end: datetime, phase: Phase) -> datetime | None:
    """Where a stored page moves the cursor: as far as the source says it is complete."""
    if through is None or not phase.moves_cursor:
        return None
    return min(through, end)


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


def windows(
    start: datetime, until: datetime, size: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """Slice ``[start, until]`` into consecutive windows of at most ``size``."""
    since = start
    while since < until:
        end = min(since + size, until)
        yield since, end
        since = end
