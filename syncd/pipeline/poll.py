"""Poll: read a source's responses into the inbox, then advance its cursor.

The cursor trails "now" by the source's visibility lag and each poll re-reads an overlap window,
because sources publish late and their time filters are inclusive. The cursor only moves after
every page of a window is stored, so it never runs ahead of stored data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Engine

from syncd.clock import from_ms, to_ms
from syncd.contracts import SurveySource
from syncd.model import SourcePage
from syncd.settings import SourceSettings
from syncd.store import cursors, inbox, quarantine

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class PollResult:
    source: str
    fetched: int = 0
    stored: int = 0
    rejected: int = 0
    windows: int = 0


def cursor_name(source: str) -> str:
    return f"source:{source}"


def poll_source(
    engine: Engine,
    source: SurveySource,
    settings: SourceSettings,
    *,
    now: datetime,
    stop: threading.Event | None = None,
) -> PollResult:
    """Fetch everything since the cursor (minus overlap) up to ``now - lag``."""
    result = PollResult(source.name)
    with engine.begin() as conn:
        watermark = cursors.get_watermark(conn, cursor_name(source.name))
    until = now - timedelta(seconds=settings.lag_seconds)
    start = _start(watermark, settings, now)
    for since, end in windows(start, until, source.max_window):
        for page in source.fetch(since, end):
            _store_page(engine, page, result, to_ms(now))
        with engine.begin() as conn:
            cursors.advance(conn, cursor_name(source.name), to_ms(end), to_ms(now))
        result.windows += 1
        if stop is not None and stop.is_set():
            break
    return result


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


def _store_page(engine: Engine, page: SourcePage, result: PollResult, now_ms: int) -> None:
    with engine.begin() as conn:
        for response in page.responses:
            result.fetched += 1
            if inbox.store_response(conn, response, now_ms):
                result.stored += 1
        for item in page.rejected:
            # Listings overlap, so the same bad item comes back; count and log it once.
            if quarantine.add(
                conn,
                source=item.source,
                response_id=item.response_id,
                stage="poll",
                reason_code="malformed",
                reason=item.reason,
                payload=item.payload,
                now_ms=now_ms,
            ):
                result.rejected += 1
                log.warning(
                    "response quarantined",
                    source=item.source,
                    response_id=item.response_id,
                    reason=item.reason,
                )
