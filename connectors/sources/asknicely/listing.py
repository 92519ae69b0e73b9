"""Walking one AskNicely listing window by page number, and knowing how far it is complete.

The window is closed (``since_time`` and ``end_time`` both fixed) and ordered by ``responded``
ascending, so new answers land after it and pages do not shift while it is read: page numbers
are safe here, unlike over an "updated" order. A page served again, or a listing longer than
``max_pages``, ends the walk without claiming the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from syncd.edge.values import whole_number

_log = structlog.get_logger(__name__)


def envelope_rows(envelope: dict[str, object]) -> list[object]:
    """The ``data`` rows of an envelope; a missing or odd ``data`` is an answer with none."""
    data = envelope.get("data")
    return list(data) if isinstance(data, list) else []


def total_pages(envelope: dict[str, object]) -> int | None:
    """``totalpages`` (sent as a string, like every AskNicely number); None when unreadable."""
    try:
        return whole_number(envelope.get("totalpages"), "totalpages")
    except ValueError:
        return None


def responded_second(item: object) -> int | None:
    """The row's ``responded`` Unix second, or None when it has no readable one."""
    if not isinstance(item, dict):
        return None
    try:
        return whole_number(item.get("responded"), "responded")
    except ValueError:
        return None


class Walk:
    """Position and progress of one listing over ``[start, end]`` (Unix seconds, inclusive).

    ``progress`` is the latest second up to which every row of the window has been read.
    """

    def __init__(self, start: int, end: int, page_size: int, max_pages: int) -> None:
        self.start, self.end = start, end
        self.page_size, self.max_pages = page_size, max_pages
        self.page = 1
        self.progress = start - 1
        self.done = False
        self._last: Sequence[object] | None = None

    def advance(self, rows: Sequence[object], pages: int | None) -> None:
        """Take in the page just read: finish, or move to the next page number."""
        if rows and rows == self._last:
            _log.warning(
                "asknicely.repeated_page", page=self.page, hint="the rest is read next pass"
            )
            self.done = True  # progress stays: what follows the page is unread
            return
        self._last = rows
        last_page = pages is not None and self.page >= pages
        if len(rows) < self.page_size or last_page:
            self.done, self.progress = True, self.end
            return
        seconds = [responded_second(row) for row in rows]
        known = [s for s in seconds if s is not None]
        if len(known) == len(seconds) and known == sorted(known):
            # The next page may still hold this page's last second.
            self.progress = max(self.progress, min(known[-1] - 1, self.end))
        if self.page >= self.max_pages:
            _log.warning("asknicely.page_limit", pages=self.page, hint="the rest is read next pass")
            self.done = True
            return
        self.page += 1
