"""The bulk listing's parameters as SurveyMonkey documents them, and the page they select.

[SurveyMonkey/public_api_docs includes/_responses.md]: ``page`` (default 1), ``per_page``
(default 50, max 100), ``start_modified_at``/``end_modified_at`` ("modified after/before";
the fake takes the pessimistic, exclusive reading), ``sort_by=date_modified``, ``sort_order``
``ASC|DESC``. Without ``sort_by`` the order is the responses' own, not by modification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from connectors.sources.surveymonkey.fake.index import Entry, ModifiedIndex
from syncd.sandbox.http import Request

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


class BadParam(ValueError):
    """A parameter SurveyMonkey answers with 400 (error 1002)."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed bulk request."""

    page: int
    per_page: int
    after: int | None
    before: int | None
    by_modified: bool
    descending: bool


def parse_query(request: Request) -> Query:
    """The request's parameters, or ``BadParam``."""
    per_page = _number(request, "per_page", DEFAULT_PER_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadParam(f"per_page must be between 1 and {MAX_PER_PAGE}")
    sort_by, order = request.param("sort_by"), (request.param("sort_order") or "ASC").upper()
    if sort_by not in (None, "date_modified") or order not in ("ASC", "DESC"):
        raise BadParam("sort_by must be date_modified and sort_order ASC or DESC")
    return Query(
        page=_number(request, "page", 1),
        per_page=per_page,
        after=_moment(request.param("start_modified_at"), "start_modified_at"),
        before=_moment(request.param("end_modified_at"), "end_modified_at"),
        by_modified=sort_by == "date_modified",
        descending=order == "DESC",
    )


def select(index: ModifiedIndex, query: Query) -> tuple[list[Entry], int]:
    """The page's entries and how many match in all."""
    lo, hi = index.span(query.after, query.before)
    start = (query.page - 1) * query.per_page
    if query.by_modified and not query.descending:
        return index.slice(min(hi, lo + start), min(hi, lo + start + query.per_page)), hi - lo
    entries = index.slice(lo, hi)
    entries = entries[::-1] if query.by_modified else sorted(entries, key=lambda e: e.seq)
    return entries[start : start + query.per_page], hi - lo


def links(base: str, request: Request, query: Query, total: int) -> dict[str, str]:
    """``links`` of the envelope: ``next`` only while a later page exists."""
    params = {name: values[0] for name, values in request.query.items() if values}

    def at(page: int) -> str:
        return f"{base}?{urlencode(params | {'page': str(page), 'per_page': str(query.per_page)})}"

    last = max(1, -(-total // query.per_page))
    shown = {"self": at(query.page), "first": at(1), "last": at(last)}
    if query.page < last:
        shown["next"] = at(query.page + 1)
    if query.page > 1:
        shown["prev"] = at(query.page - 1)
    return shown


def _number(request: Request, name: str, default: int) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        raise BadParam(f"{name} must be a positive integer")
    return int(raw)


def _moment(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadParam(f"{name} must look like 2024-06-01T00:00:00") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
