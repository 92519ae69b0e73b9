"""The order a poll pass reads its span in: in steady state, the new answers first.

A pass re-reads an overlap behind its cursor ``W`` (see ``syncd.pipeline.poll``). Read oldest
first, a short pass's new answers come after that whole re-read, and so do their plans and tasks.
So when the part past the cursor is no longer than the overlap (steady state, not a backfill or a
catch-up), the pass reads the fresh part ``[W, until]`` first, then the overlap
``[W - overlap, W]``. Its cursor stays at ``W`` until both are read and then moves to ``until``:
a pass cut short in either part skips nothing, the next one reads both again (stored items
dedupe). Passes that keep being cut short cannot get stuck there: ``until - W`` outgrows the
overlap, and the pass reads one ascending span again, whose cursor moves page by page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Phase:
    """One span of a pass, read in ascending time order."""

    since: datetime
    until: datetime
    #: Whether the cursor follows this span's stored pages (False: it waits for the whole pass).
    moves_cursor: bool = True
    #: Whether the interleaved work runs after every page instead of every ``every_pages``.
    eager: bool = False


@dataclass(frozen=True, slots=True)
class ReadOrder:
    """The phases of a pass, in order, and where the cursor goes once all of them are read."""

    phases: tuple[Phase, ...]
    #: None when the cursor moved with the pages already.
    settle_at: datetime | None = None


def read_order(
    watermark: datetime | None, until: datetime, overlap: timedelta, first_start: datetime
) -> ReadOrder:
    """The phases to read up to ``until`` from a cursor at ``watermark`` (None: never polled,
    start at ``first_start``), re-reading ``overlap`` behind it."""
    if watermark is None:
        return ReadOrder((Phase(first_start, until),))
    if timedelta(0) < until - watermark <= overlap:
        fresh = Phase(watermark, until, moves_cursor=False, eager=True)
        behind = Phase(watermark - overlap, watermark, moves_cursor=False)
        return ReadOrder((fresh, behind), settle_at=until)
    return ReadOrder((Phase(watermark - overlap, until),))
