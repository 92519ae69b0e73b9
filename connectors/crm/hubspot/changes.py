"""Paging through task changes with CRM search, past its 10,000-results-per-query cap."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from connectors.crm.hubspot.mapping import epoch_ms, task_change
from connectors.crm.hubspot.records import Page, Record
from syncd.model import TaskChange, TaskChangePage

logger = logging.getLogger(__name__)

SEARCH_PAGE = 200
#: HubSpot answers 400 to a search whose ``after`` + ``limit`` would pass this.
SEARCH_RESULT_CAP = 10_000

#: search(since epoch ms, after) -> a page of task ``Record``s, oldest first.
Search = Callable[[int, "str | None"], Page[Record]]


def task_change_pages(
    search: Search,
    since_ms: int,
    *,
    page_size: int = SEARCH_PAGE,
    cap: int = SEARCH_RESULT_CAP,
    outcome_property: str = "",
) -> Iterator[TaskChangePage]:
    """Every task modified at or after ``since_ms``, page by page, with a growing watermark.

    Before a query would pass ``cap`` results, a new query starts from the newest modification
    time seen; the tasks at exactly that time come again (at-least-once, like every listing).
    """
    anchor, after, watermark = since_ms, None, None
    while True:
        page = search(anchor, after)
        changes = [_change(record, outcome_property) for record in page.items]
        watermark = _latest(watermark, changes)
        yield TaskChangePage(changes=changes, watermark=watermark)
        if page.after is None or not changes:
            return
        if _offset(page.after) + page_size <= cap:
            after = page.after
            continue
        anchor, after = _reanchor(anchor, changes), None


def _change(record: Record, outcome_property: str) -> TaskChange:
    return task_change(record.id, record.properties, record.updated_at, outcome_property)


def _latest(watermark: datetime | None, changes: Sequence[TaskChange]) -> datetime | None:
    times = [change.modified_at for change in changes]
    if watermark is not None:
        times.append(watermark)
    return max(times, default=None)


def _offset(after: str) -> int:
    try:
        return int(after)
    except ValueError:
        return 0  # an opaque cursor: HubSpot did not say how far in we are


def _reanchor(anchor: int, changes: Sequence[TaskChange]) -> int:
    newest = max(epoch_ms(change.modified_at) for change in changes)
    if newest > anchor:
        return newest
    # More than a whole query's worth of tasks share one millisecond; step past it.
    logger.warning(
        "more than %d tasks modified at %d ms; some may be skipped", SEARCH_RESULT_CAP, anchor
    )
    return anchor + 1
