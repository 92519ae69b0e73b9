"""The list request's query parameters, and the page of entries they select.

A page of the default order is read straight off the index; other orders sort only the
entries the index finds in the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connectors.sources.delighted.fake.index import Entry, TimeIndex
from syncd.sandbox.http import Request

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
ORDERS = ("asc", "desc", "asc:updated_at", "desc:updated_at")
_TIME_FILTERS = ("since", "until", "updated_since", "updated_until")


class BadParam(ValueError):
    """A query parameter Delighted would answer with 422."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed list request."""

    per_page: int
    page: int
    order: str
    bounds: Mapping[str, int]
    expand_person: bool


def select(index: TimeIndex, query: Query) -> list[Entry]:
    """The entries of the page ``query`` asks for, in its order."""
    start, descending = (query.page - 1) * query.per_page, query.order.startswith("desc")
    by_updated = query.order.endswith(":updated_at")
    if not by_updated and not {"updated_since", "updated_until"} & set(query.bounds):
        # The default listing: the index is already in this order, so slice the page.
        chosen = index.created_page(query.bounds, start, query.per_page, descending=descending)
    else:
        candidates = index.candidates(query.bounds)
        matching = [entry for entry in candidates if matches(entry, query.bounds)]
        matching.sort(
            key=lambda entry: (entry.order_time(by_updated), entry.created, entry.seq),
            reverse=descending,
        )
        chosen = matching[start : start + query.per_page]
    return chosen


def _int_param(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadParam(f"{name} must be an integer, got {raw!r}") from None


def _positive(request: Request, name: str, default: int) -> int:
    value = _int_param(request, name, default)
    if value is None or value < 1:
        raise BadParam(f"{name} must be a positive integer")
    return value


def parse_query(request: Request) -> Query:
    """The list request's parameters; ``BadParam`` (a 422) for one Delighted would refuse."""
    order = request.param("order") or "asc"
    if order not in ORDERS:
        raise BadParam(f"order must be one of {', '.join(ORDERS)}")
    values = {name: _int_param(request, name) for name in _TIME_FILTERS}
    bounds = {name: value for name, value in values.items() if value is not None}
    return Query(
        per_page=min(_positive(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE),
        page=_positive(request, "page", 1),
        order=order,
        bounds=bounds,
        expand_person="person" in request.query.get("expand[]", []),
    )


def matches(entry: Entry, bounds: Mapping[str, int]) -> bool:
    """Whether ``entry`` is in the window; all bounds inclusive, as Delighted's."""
    if "since" in bounds and entry.created < bounds["since"]:
        return False
    if "until" in bounds and entry.created > bounds["until"]:
        return False
    if not ("updated_since" in bounds or "updated_until" in bounds):
        return True
    # Pessimistic reading: a never-updated response is invisible to the updated_* filters.
    if entry.updated is None:
        return False
    return (
        bounds.get("updated_since", entry.updated)
        <= entry.updated
        <= bounds.get("updated_until", entry.updated)
    )
