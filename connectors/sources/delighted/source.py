"""``DelightedSource``: every survey response created or updated in a window.

Two passes per window, because whether ``updated_since`` matches never-updated responses
(``updated_at: null``) is unconfirmed: a created pass (``since``/``until``) and an updated pass
(``updated_since``/``updated_until``). Duplicates between them are fine; the poll stage dedupes.

Each pass pages keyset-style (survey API facts §0.4): after a full page it re-queries from the
last item's timestamp with ``page=1``, because plain page numbers over an ``updated_at`` order
skip a record whenever an earlier one is updated out of the window mid-listing. It steps the
page number only while a whole page shares one second, or when the page is not in the order
asked for (then the server is not honouring ``order`` and a keyset would skip records).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from connectors.sources.delighted.client import DelightedClient, Params
from connectors.sources.delighted.parse import parse_page
from connectors.sources.delighted.preflight import check_access
from connectors.sources.delighted.settings import DelightedSettings
from syncd.model import CheckResult, SourcePage


@dataclass(frozen=True, slots=True)
class _Pass:
    since: str
    until: str
    order: str
    #: The fields the server orders this pass by, first non-null wins (null updated_at sorts
    #: as its created_at).
    keys: tuple[str, ...]


_CREATED = _Pass("since", "until", "asc", ("created_at",))
_UPDATED = _Pass("updated_since", "updated_until", "asc:updated_at", ("updated_at", "created_at"))


class DelightedSource:
    """Delighted survey responses as a ``syncd.contracts.SurveySource``."""

    Settings = DelightedSettings

    def __init__(
        self,
        name: str,
        settings: DelightedSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.max_window = timedelta(days=settings.max_window_days)
        self._settings = settings
        self._client = DelightedClient(settings, transport=transport, sleep=sleep)

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every response created or updated in ``[since, until]`` (both inclusive)."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        # Delighted filters on whole seconds, inclusively; flooring both ends keeps every
        # record whose second lies in the window (and at most one extra second at the start).
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        for listing in (_CREATED, _UPDATED):
            yield from self._walk(listing, start, end)

    def check(self) -> Sequence[CheckResult]:
        """One authenticated request: the API key and the base URL work."""
        return check_access(self.name, self._client)

    def close(self) -> None:
        self._client.close()

    def _walk(self, listing: _Pass, start: int, end: int) -> Iterator[SourcePage]:
        per_page = self._settings.page_size
        cursor, page = start, 1
        while True:
            items = self._client.list_responses(_params(listing, cursor, end, page, per_page))
            yield parse_page(self.name, items, self._settings.survey_types)
            if len(items) < per_page:
                return
            cursor, page = _next_position(items, listing.keys, cursor, page)


def _params(listing: _Pass, cursor: int, end: int, page: int, per_page: int) -> Params:
    return {
        listing.since: cursor,
        listing.until: end,
        "order": listing.order,
        "per_page": per_page,
        "page": page,
        "expand[]": ["person"],
    }


def _next_position(
    items: Sequence[object], keys: tuple[str, ...], cursor: int, page: int
) -> tuple[int, int]:
    """Where the next request starts after a full page: ``(cursor, page)``."""
    times = [_order_time(item, keys) for item in items]
    known = [t for t in times if t is not None]
    if len(known) < len(times) or known != sorted(known) or known[-1] <= cursor:
        return cursor, page + 1
    return known[-1], 1


def _order_time(item: object, keys: tuple[str, ...]) -> int | None:
    if not isinstance(item, dict):
        return None
    value = next((item[key] for key in keys if item.get(key) is not None), None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
