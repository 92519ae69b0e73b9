"""Walking one Wootric listing keyset-style, and knowing how far it is complete.

Filters are exclusive (``created[gt]``/``created[lt]``) and page numbers above 30 are refused
[singer-io/tap-wootric tap_wootric/__init__.py]. So after a full page the walk re-queries from
the last item's second with ``page=1`` (as the tap slides its window), stepping the page number
only while a whole page shares one second. More than 30 full pages in one second cannot be
listed at all: the walk logs it and moves past that second, the one loss Wootric leaves no way
around (the tap does the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from connectors.sources.wootric.client import Params
from connectors.sources.wootric.settings import MAX_PAGE_NUMBER
from connectors.sources.wootric.times import second

_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Pass:
    """One listing: the filter it bounds, the field it is ordered by."""

    filter: str
    key: str


CREATED = Pass("created", "created_at")
UPDATED = Pass("updated", "updated_at")


class Walk:
    """Position and progress of one listing over ``[start, end]`` (Unix seconds, inclusive).

    ``progress`` is the latest second up to which every item of the listing has been read.
    """

    def __init__(self, listing: Pass, start: int, end: int, per_page: int) -> None:
        self.listing, self.end, self.per_page = listing, end, per_page
        self.cursor, self.page = start, 1
        self.progress = start - 1
        self.done = False
        self._last: Sequence[object] | None = None

    def params(self) -> Params:
        """The query string of the current page (exclusive bounds around the inclusive window)."""
        return {
            f"{self.listing.filter}[gt]": self.cursor - 1,
            f"{self.listing.filter}[lt]": self.end + 1,
            "sort_key": self.listing.key,
            "sort_order": "asc",
            "per_page": self.per_page,
            "page": self.page,
        }

    def advance(self, items: Sequence[object]) -> None:
        """Take in the page just read: finish, or move to where the next request starts."""
        if items and items == self._last:
            _log.warning("wootric.repeated_page", page=self.page, hint="the rest is read next pass")
            self.done = True  # progress stays: what follows the page is unread
            return
        self._last = items
        if len(items) < self.per_page:
            self.done, self.progress = True, self.end
            return
        times = [
            second(item.get(self.listing.key)) if isinstance(item, dict) else None for item in items
        ]
        known = [t for t in times if t is not None]
        if len(known) < len(times) or known != sorted(known) or known[-1] <= self.cursor:
            self._next_page()
        elif known[0] == known[-1]:
            # The whole page is the first page of its second: continue with that second's page 2.
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor, self.page = known[-1], 2
        else:
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor, self.page = known[-1], 1

    def _next_page(self) -> None:
        if self.page < MAX_PAGE_NUMBER:
            self.page += 1
            return
        _log.error(
            "wootric.second_too_full",
            second=self.cursor,
            hint=f"more than {MAX_PAGE_NUMBER} pages share one second; Wootric lists no more",
        )
        self.progress = max(self.progress, self.cursor)
        self.cursor, self.page = self.cursor + 1, 1
        if self.cursor > self.end:
            self.done, self.progress = True, self.end
