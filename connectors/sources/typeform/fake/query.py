"""The listing's query parameters as Typeform documents them, and the page they select.

[typeform.com/developers/responses/reference/retrieve-responses/]: ``page_size`` 1-1000
(default 25); ``since``/``until`` inclusive, Unix seconds or ISO-8601 UTC; ``after``/``before``
tokens exclusive, in processing order, not combinable with ``sort``; ``sort`` defaults to
``submitted_at,desc``; ``response_type`` defaults to ``completed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.sources.typeform.fake.index import Entry, SubmittedIndex
from syncd.sandbox.http import Request

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
SORTS = ("submitted_at,asc", "submitted_at,desc")


class BadParam(ValueError):
    """A parameter Typeform answers with 400 VALIDATION_ERROR."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed list request."""

    page_size: int
    since: int | None
    until: int | None
    after: str | None
    before: str | None
    sort: str
    completed: bool


def parse_query(request: Request) -> Query:
    """The request's parameters, or ``BadParam`` for one Typeform would refuse."""
    raw_size = request.param("page_size") or str(DEFAULT_PAGE_SIZE)
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= MAX_PAGE_SIZE:
        raise BadParam(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    after, before, sort = request.param("after"), request.param("before"), request.param("sort")
    if (after or before) and sort:
        raise BadParam("after and before cannot be used together with sort")
    if sort is not None and sort not in SORTS:
        raise BadParam(f"sort must be one of {', '.join(SORTS)}")
    kinds = (request.param("response_type") or "completed").split(",")
    return Query(
        page_size=int(raw_size),
        since=_moment(request.param("since"), "since"),
        until=_moment(request.param("until"), "until"),
        after=after or None,
        before=before or None,
        sort=sort or "submitted_at,desc",
        completed="completed" in kinds,
    )


def _moment(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if value.isdigit() and len(value) < 12:
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadParam(f"{name} must be a Unix time or ISO-8601 (2020-03-20T14:00:59)") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def select(index: SubmittedIndex, query: Query, visible_until: int) -> tuple[list[Entry], int]:
    """The page ``query`` asks for, and how many responses match it in all."""
    until = visible_until if query.until is None else min(query.until, visible_until)
    if not query.completed:
        return [], 0  # the fake keeps completed responses only
    token = query.after or query.before
    if token is None:
        lo, hi = index.bounds(query.since, until)
        if query.sort == "submitted_at,asc":
            return index.window(query.since, until, query.page_size), hi - lo
        return index.window(query.since, until)[::-1][: query.page_size], hi - lo
    anchor = index.by_token.get(token)
    if anchor is None:
        raise BadParam(f"{'after' if query.after else 'before'} is not a known response token")
    entries = index.window(query.since, until)
    if query.after:
        chosen = sorted((e for e in entries if e.seq > anchor.seq), key=lambda e: e.seq)
    else:
        chosen = sorted((e for e in entries if e.seq < anchor.seq), key=lambda e: -e.seq)
    return chosen[: query.page_size], len(chosen)
