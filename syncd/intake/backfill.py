"""``syncd backfill``: read one source from a date up to now, resumably, beside the daemon.

A backfill keeps its own cursor, named for the source and the start date, so an interrupted
backfill run again with the same ``--since`` continues where it stopped, and the daemon's cursor
never moves. Pages go through ``keep_page`` like polling, so answers the daemon also read are
stored once. The source's own limiter and retries pace the requests; when it still gives up on
a transient error (a long rate limit, an outage) the backfill waits as told and continues from
its cursor, a bounded number of times in a row.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine

from syncd.clock import from_ms, to_ms
from syncd.contracts import SurveySource
from syncd.errors import Transient
from syncd.pipeline.pages import Budget, bounded
from syncd.pipeline.poll import lag, windows
from syncd.pipeline.records import keep_page
from syncd.settings import SourceSettings
from syncd.store import cursors

log = structlog.get_logger(__name__)

#: Transient failures in a row (with no page stored between them) before the backfill gives up.
MAX_FAILURES = 6
MAX_WAIT_SECONDS = 300.0


def backfill_cursor(source: str, since: datetime) -> str:
    """The name of a backfill's cursor: one per source and start, apart from the daemon's."""
    return f"backfill:{source}:{since.strftime('%Y-%m-%dT%H:%M:%SZ')}"


@dataclass(slots=True)
class Backfill:
    """Progress of one backfill over ``[start, end]``; ``through`` is how far it is complete."""

    source: str
    start: datetime
    end: datetime
    through: datetime
    pages: int = 0
    stored: int = 0
    quarantined: int = 0
    retries: int = 0
    #: Why it ended before ``end`` ("stop requested"), if it did.
    cut_short: str | None = None

    @property
    def done(self) -> bool:
        """True once everything up to ``end`` is stored."""
        return self.through >= self.end


def run_backfill(
    engine: Engine,
    source: SurveySource,
    settings: SourceSettings,
    *,
    since: datetime,
    now: datetime,
    stop: threading.Event | None = None,
    on_page: Callable[[Backfill], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Backfill:
    """Read ``source`` from ``since`` (or where an earlier run of it stopped) to now minus lag.

    The lag is polling's: the configured one, at least the source's own visibility lag.

    ``sleep`` waits between transient failures (give it ``stop.wait`` to be stoppable). A
    source's ``Terminal`` error, or ``MAX_FAILURES`` transient ones in a row, are raised; the
    cursor keeps what was stored, so running the same backfill again continues.
    """
    name = backfill_cursor(source.name, since)
    end = now - lag(source, settings)  # the source's own visibility lag, as polling keeps
    with engine.begin() as conn:
        mark = cursors.get_watermark(conn, name)
    through = since if mark is None else max(since, from_ms(mark))
    progress = Backfill(source.name, since, end, through)
    failures, pages_then = 0, -1
    while not progress.done and not (stop is not None and stop.is_set()):
        try:
            _read(engine, source, settings, name, progress, now, stop, on_page)
        except Transient as error:
            # Failures count in a row: a page stored since the last one starts the count again.
            failures = 1 if progress.pages != pages_then else failures + 1
            pages_then = progress.pages
            progress.retries += 1
            if failures >= MAX_FAILURES:
                raise
            wait = min(error.retry_after or 2.0**failures, MAX_WAIT_SECONDS)
            log.warning("backfill waits, then continues", source=source.name, seconds=wait)
            sleep(wait)
            continue
        break  # read to the end, or stopped
    return progress


def _read(
    engine: Engine,
    source: SurveySource,
    settings: SourceSettings,
    name: str,
    progress: Backfill,
    now: datetime,
    stop: threading.Event | None,
    on_page: Callable[[Backfill], None] | None,
) -> None:
    """Read from ``progress.through`` (less the overlap) to the end; raises a source's error."""
    start = max(progress.start, progress.through - timedelta(seconds=settings.overlap_seconds))
    budget = Budget(sys.maxsize, math.inf, stop)
    for since, end in windows(start, progress.end, source.max_window):
        for page in bounded(source.fetch(since, end), budget):
            with engine.begin() as conn:
                _, stored, quarantined, _ = keep_page(conn, page, to_ms(now))
                if page.through is not None:
                    _advance(conn, name, progress, min(page.through, end), now)
            progress.pages += 1
            progress.stored += stored
            progress.quarantined += quarantined
            if on_page is not None:
                on_page(progress)
        if budget.spent is not None:
            progress.cut_short = budget.spent
            return
        with engine.begin() as conn:
            _advance(conn, name, progress, end, now)
        if on_page is not None:
            on_page(progress)


def _advance(conn: Connection, name: str, progress: Backfill, to: datetime, now: datetime) -> None:
    cursors.advance(conn, name, to_ms(to), to_ms(now))
    progress.through = max(progress.through, to)
