"""Track: read back changes to the tasks syncd created and stamp their loop records.

The task-change cursor re-reads an overlap window because the CRM's search index lags; changes
older than what a loop already knows are ignored, so a stale read never reopens a closed loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from syncd.clock import from_ms, to_ms
from syncd.contracts import Crm
from syncd.model import ResponseKey
from syncd.settings import TrackingSettings
from syncd.store import cursors, loops


@dataclass(slots=True)
class TrackResult:
    """Counts of one track pass: task changes read, and those that matched a loop."""

    seen: int = 0
    matched: int = 0
    #: Loops this pass closed (their task completed), for the time-to-close metrics.
    closed: list[ResponseKey] = field(default_factory=list)


def cursor_name(crm: str) -> str:
    """The name of the CRM's task-change cursor in the store."""
    return f"crm:{crm}:tasks"


def track_tasks(
    engine: Engine,
    crm: Crm,
    settings: TrackingSettings,
    *,
    now: datetime,
    stop: threading.Event | None = None,
) -> TrackResult:
    """Read task changes since the cursor (with overlap) into the loops; move the cursor."""
    result = TrackResult()
    with engine.begin() as conn:
        watermark = cursors.get_watermark(conn, cursor_name(crm.name))
    since = (
        from_ms(watermark) - timedelta(seconds=settings.overlap_seconds)
        if watermark is not None
        else now - timedelta(days=settings.initial_lookback_days)
    )
    for page in crm.task_changes(since):
        with engine.begin() as conn:
            result.seen += len(page.changes)
            result.matched += loops.apply_changes(
                conn, crm.name, page.changes, to_ms(now), closed=result.closed
            )
            if page.watermark is not None:
                mark = min(page.watermark, now)
                cursors.advance(conn, cursor_name(crm.name), to_ms(mark), to_ms(now))
        if stop is not None and stop.is_set():
            break
    return result
