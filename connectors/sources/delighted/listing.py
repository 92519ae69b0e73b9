"""Walking one Delighted listing keyset-style, and knowing how far it is complete.

After a full page the walk re-queries from the last item's timestamp with ``page=1``, because
plain page numbers over an ``updated_at`` order skip a record whenever an earlier one is updated
out of the window mid-listing (survey API facts §0.4). It steps the page number only while a
whole page shares one second, or when the page is not in the order asked for (then the server is
not honouring ``order`` and a keyset would skip records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from connectors.sources.delighted.client import Params

_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Pass:
    """One listing of a window: its filter parameters and the fields the server orders by."""

    since: str
    until: str
    order: str
    #: First non-null wins (a null updated_at sorts as its created_at).
    keys: tuple[str, ...]


CREATED = Pass("since", "until", "asc", ("created_at",))
UPDATED = Pass("updated_since", "updated_until", "asc:updated_at", ("updated_at", "created_at"))


class Walk:
    """Position and progress of one listing over ``[start, end]`` (Unix seconds, inclusive).

    ``progress`` is the latest second up to which every item of the listing has been read.
    """

    def __init__(self, listing: Pass, start: int, end: int, per_page: int) -> None:
        self.listing = listing
        self.end = end
        self.per_page = per_page
        self.cursor, self.page = start, 1
        self.progress = start - 1
        self.done = False
        self._last_page: Sequence[object] | None = None

    def params(self) -> Params:
        """The query string of the current page."""
        return {
            self.listing.since: self.cursor,
            self.listing.until: self.end,
            "order": self.listing.order,
            "per_page": self.per_page,
            "page": self.page,
            "expand[]": ["person"],
        }

    def advance(self, items: Sequence[object]) -> None:
        """Take in the page just read: finish, or move to where the next request starts."""
        if items and items == self._last_page:
            # An honest server never answers two different positions with the same page. The
            # whole items are compared, not their ids: a page of blank ids is not a repeat.
            _log.warning(
                "delighted.repeated_page",
                listing=self.listing.order,
                page=self.page,
                hint="the server keeps answering the same page; the rest is read next pass",
            )
            self.done = True  # progress stays: what follows the page is unread
            return
        self._last_page = items
        if len(items) < self.per_page:
            self.done, self.progress = True, self.end
            return
        self._next_position(items)

    def _next_position(self, items: Sequence[object]) -> None:
        times = [_order_time(item, self.listing.keys) for item in items]
        known = [t for t in times if t is not None]
        if len(known) < len(times) or known != sorted(known):
            self.page += 1  # not in order: page numbers are all that is left, no progress known
        elif known[0] == known[-1] and known[-1] > self.cursor:
            # The whole page is the first page of its second: continue with that second's page 2.
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor, self.page = known[-1], 2
        elif known[-1] <= self.cursor:
            self.page += 1
        else:
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor, self.page = known[-1], 1


def _order_time(item: object, keys: tuple[str, ...]) -> int | None:
    if not isinstance(item, dict):
        return None
    value = next((item[key] for key in keys if item.get(key) is not None), None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
