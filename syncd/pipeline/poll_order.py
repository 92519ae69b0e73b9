"""What a poll pass reads: the new answers, then, once, the answers an overlap old.

Sources publish late: an answer can show up in a listing after a pass has read past its
timestamp (``lag`` keeps reads behind "now" for the usual delay). So a pass reads what is new
past the read cursor ``W`` (``[W, until]``), and then once more the span before ``W`` that the
last pass read as new (``[W - (until - W), W]``, at most an overlap back): an answer up to a
pass late is caught by the next pass. Then a second cursor, the sweep ``S``, which trails
``until`` by the overlap, reads every answer once more when it is ``overlap`` old
(``[S, min(W - (until - W), until - overlap)]``): an answer later than a pass but within the
overlap is caught then. Every answer is read three times at most, whatever the interval.
Re-reading the whole overlap on every pass, as before the sweep, read every answer
``overlap / interval`` times (60 at a 5 s interval), and the requests and the pass's time grew
with the rate of answers until passes outlasted their interval.

The new answers come first, planned after each page when the pass is steady (its new span no
longer than the overlap), so no re-read delays them; a pass that catches up reads one ascending
span from an overlap behind ``W``. Each cursor moves with its own stored pages (a re-read
behind ``W`` leaves the read cursor where it is). Once the pass has read every span to its end,
the sweep moves to ``until - overlap``: an answer read when it was already that old needs no
other read. A sweep cursor not stored yet (a store polled before the sweep existed) starts an
overlap behind ``W``, which is as far back as earlier passes re-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Phase:
    """One span of a pass, read in ascending time order."""

    since: datetime
    until: datetime
    #: Whether this span's stored pages move the sweep cursor (False: the read cursor).
    sweep: bool = False
    #: Whether the interleaved work runs after every page instead of every ``every_pages``.
    eager: bool = False


@dataclass(frozen=True, slots=True)
class ReadOrder:
    """The phases of a pass, in order, and where the sweep cursor goes once all are read."""

    phases: tuple[Phase, ...]
    sweep_to: datetime


def read_order(
    watermark: datetime | None,
    sweep: datetime | None,
    until: datetime,
    overlap: timedelta,
    first_start: datetime,
) -> ReadOrder:
    """The phases to read up to ``until`` from a read cursor at ``watermark`` and a sweep
    cursor at ``sweep`` (None: never stored; a never-polled source starts at ``first_start``)."""
    sweep_to = until - overlap
    if watermark is None:
        # What the first pass reads younger than the overlap gets its second read later.
        return ReadOrder((Phase(first_start, until),), max(sweep_to, first_start))
    span = until - watermark
    # Once more the span the last pass read as new (at most the overlap): an answer that shows
    # up to a pass late is caught at once, not an overlap later.
    start = watermark - min(max(span, timedelta(0)), overlap)
    if timedelta(0) < span <= overlap:
        # Steady: the new answers first, planned page by page; the re-read after them.
        phases = [Phase(watermark, until, eager=True), Phase(start, watermark)]
    elif span > timedelta(0):
        phases = [Phase(start, until)]
    else:
        phases = []
    # Up to where the re-read starts: the phases above read the rest of [S, until - overlap].
    since = watermark - overlap if sweep is None else sweep
    behind = min(start, sweep_to)
    if since < behind:
        phases.append(Phase(since, behind, sweep=True))
    return ReadOrder(tuple(phases), sweep_to)
