"""Track: read back changes to the tasks syncd created and stamp their loop records.

The task-change cursor re-reads an overlap window because the CRM's search index lags; changes
older than what a loop already knows are ignored, so a stale read never reopens a closed loop.
A completed task's outcome is recorded on its loop, and a closed loop of the ``[events]``
categories queues its event in the same transaction (sent by the events stage, never here).
Where the CRM has a loop-closed contact field, every loop closed or reopened queues its mark
(``syncd.store.loop_marks``) in that transaction too: deliver writes the time onto the contact.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from syncd.clock import from_ms, to_ms
from syncd.contracts import Crm
from syncd.loop_settings import EventSettings
from syncd.model import ResponseKey
from syncd.pipeline.events import queue_closures
from syncd.pipeline.outcome_note import owner_wrote_note
from syncd.settings import TrackingSettings
from syncd.store import cursors, loop_marks, loops
from syncd.store.loop_changes import CLOSED_HINT_LIMIT, closed_task_ids


@dataclass(slots=True)
class TrackResult:
    """Counts of one track pass: task changes read, and those that matched a loop."""

    seen: int = 0
    matched: int = 0
    #: Loops this pass closed (their task completed), for the time-to-close metrics.
    closed: list[ResponseKey] = field(default_factory=list)
    #: Events queued for loops this pass closed (``[events]``).
    events: int = 0
    #: Loop-closed marks queued for contacts (loops closed or reopened, latest answers only).
    marks: int = 0


def cursor_name(crm: str) -> str:
    """The name of the CRM's task-change cursor in the store."""
    return f"crm:{crm}:tasks"


def searched_name(crm: str) -> str:
    """The cursor that remembers when the CRM's task changes were last read to the end."""
    return f"crm:{crm}:tasks:read"


def track_tasks(
    engine: Engine,
    crm: Crm,
    settings: TrackingSettings,
    *,
    now: datetime,
    stop: threading.Event | None = None,
    events: EventSettings | None = None,
) -> TrackResult:
    """Read task changes since the cursor (with overlap) into the loops; move the cursor."""
    result = TrackResult()
    with engine.begin() as conn:
        if not _due(conn, crm.name, settings, now):
            return result
        watermark = cursors.get_watermark(conn, cursor_name(crm.name))
        since = (
            from_ms(watermark) - timedelta(seconds=settings.overlap_seconds)
            if watermark is not None
            else now - timedelta(days=settings.initial_lookback_days)
        )
        closed = closed_task_ids(conn, crm.name, to_ms(since), CLOSED_HINT_LIMIT)
    for page in crm.task_changes(since, closed=closed):
        with engine.begin() as conn:
            result.seen += len(page.changes)
            applied = loops.apply_tracked(
                conn, crm.name, page.changes, to_ms(now), owner_wrote_note(conn)
            )
            result.matched += applied.matched
            result.closed.extend(applied.closed)
            if events is not None:
                result.events += queue_closures(conn, events, applied.closed, to_ms(now))
            if crm.writes_loop_closed:
                changed = [*applied.closed, *applied.reopened]
                result.marks += loop_marks.queue_marks(conn, crm.name, changed, to_ms(now))
            if page.watermark is not None:
                mark = min(page.watermark, now)
                cursors.advance(conn, cursor_name(crm.name), to_ms(mark), to_ms(now))
        if stop is not None and stop.is_set():
            return result
    with engine.begin() as conn:
        cursors.advance(conn, searched_name(crm.name), to_ms(now), to_ms(now))
    return result


def _due(conn: Connection, crm: str, settings: TrackingSettings, now: datetime) -> bool:
    """Whether ``interval_seconds`` have passed since the changes were last read to the end."""
    if settings.interval_seconds <= 0:
        return True
    last = cursors.get_watermark(conn, searched_name(crm))
    return last is None or to_ms(now) - last >= settings.interval_seconds * 1000
