"""Walking one survey's responses over a window by ``date_modified``, keyset-style.

``start_modified_at``/``end_modified_at`` read as "modified after/before" and whether they are
inclusive is unconfirmed [SurveyMonkey/public_api_docs includes/_responses.md; survey API facts
§4], so the walk asks one second wider on both sides and drops what lies outside the window.
Page numbers shift when a response is modified mid-listing (it jumps to the end), so after a
full page the walk re-queries from the last item's second with page 1, re-reading that second
(ties are neither lost nor doubled as versions). Only while a whole page shares one second does
it step through that second's pages, as long as ``links.next`` says there is a next one; the
walk asks for it by number with its own filters and never fetches a URL the server names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from connectors.sources.surveymonkey.client import Params

_log = structlog.get_logger(__name__)


def stamp(seconds: int) -> str:
    """A Unix second as SurveyMonkey's filter format: ``YYYY-MM-DDTHH:MM:SS``, UTC implied."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def second(item: object) -> int | None:
    """``date_modified`` of an item as a Unix second; None when unreadable."""
    value = item.get("date_modified") if isinstance(item, dict) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


class SurveyWalk:
    """Position and progress of one survey's listing over ``[start, end]`` (Unix seconds)."""

    def __init__(self, survey: str, start: int, end: int, per_page: int) -> None:
        self.survey = survey
        self.start, self.end, self.per_page = start, end, per_page
        self.cursor, self.page = start, 1
        #: The last second of the range being paged by number; None while keyset runs.
        self._paging: int | None = None
        self.progress = start - 1
        self.done = False
        self._last_page: Sequence[object] | None = None

    def params(self) -> Params:
        """The query string of the next request."""
        last = self.end if self._paging is None else self._paging
        return {
            "start_modified_at": stamp(self.cursor - 1),
            "end_modified_at": stamp(last + 1),
            "sort_by": "date_modified",
            "sort_order": "ASC",
            "per_page": self.per_page,
            "page": self.page,
        }

    def within(self, items: Sequence[object], horizon: int) -> list[object]:
        """The items of the window; an unreadable time, or one past ``horizon`` (a broken
        future date no window will ever hold), stays for parsing to quarantine."""
        kept: list[object] = []
        for item in items:
            at = second(item)
            if at is None or self.start <= at <= self.end or at > horizon:
                kept.append(item)
        return kept

    def advance(self, items: Sequence[object], has_next: bool) -> None:
        """Take in the page just read: finish, or move to where the next request starts."""
        if items and items == self._last_page:
            _log.warning("surveymonkey.repeated_page", survey=self.survey, page=self.page)
            self.done = True  # progress stays: what follows the page is unread
            return
        self._last_page = items
        full = has_next and len(items) >= self.per_page
        if self._paging is not None:
            self._paging_step(full, self._paging)
        elif not full:
            self.done, self.progress = True, self.end
        else:
            self._keyset_step(items)

    def _keyset_step(self, items: Sequence[object]) -> None:
        times = [second(item) for item in items]
        known = [t for t in times if t is not None]
        if len(known) < len(times) or known != sorted(known) or known[0] < self.cursor - 1:
            self._paging, self.page = self.end, 2  # not in order: page through the rest
        elif known[-1] <= self.cursor:
            # Nothing past the cursor's second yet (an inclusive server re-reads the second
            # before it): re-querying would repeat the page, so page through up to the cursor.
            self.progress = max(self.progress, self.cursor - 2)
            self._paging, self.page = self.cursor, 2
        elif known[0] == known[-1]:
            self.progress = max(self.progress, known[0] - 1)
            self.cursor, self._paging, self.page = known[0], known[0], 2
        else:
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor, self.page = known[-1], 1

    def _paging_step(self, full: bool, last: int) -> None:
        if full:
            self.page += 1
            return
        self.progress = max(self.progress, last)
        self.cursor, self.page, self._paging = last + 1, 1, None
        self.done = self.cursor > self.end
        # Keyset asks one second wider, so an inclusive server rightly sends the paged
        # second's last items again: that is no repeat.
        self._last_page = None
