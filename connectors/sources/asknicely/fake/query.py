"""The eight positional path segments of a listing request, as AskNicely reads them.

``responses/{sort_direction}/{pagesize}/{pagenumber}/{since_time}/{format}/{filter}/{sort_by}/
{end_time}``, page size at most 50,000 [demo.asknice.ly/help/apidocs/responses].
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PAGE_SIZE = 50_000
SORT_BY = ("sent", "responded")


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """The positional segments of one listing request."""

    page_size: int
    page: int
    since_time: int
    end_time: int
    sort_by: str
    descending: bool

    @classmethod
    def parse(cls, segments: list[str]) -> ListingQuery:
        """The segments in AskNicely's order; ``ValueError`` (a 400) for a value it refuses."""
        direction, size, page, since, fmt, _, sort_by, end = (segments + [""] * 8)[:8]
        try:
            page_size, page_number = int(size or 50_000), int(page or 1)
            since_time, end_time = int(since or 0), int(end or 2**62)
        except ValueError:
            raise ValueError("pagesize, pagenumber, since_time and end_time are integers") from None
        if page_size < 1 or page_number < 1:
            raise ValueError("pagesize and pagenumber start at 1")
        if page_size > MAX_PAGE_SIZE:
            raise ValueError(f"pagesize must be at most {MAX_PAGE_SIZE}")
        if (direction or "asc") not in ("asc", "desc") or (fmt or "json") != "json":
            raise ValueError("sort direction must be asc or desc; this fake serves json only")
        if (sort_by or "sent") not in SORT_BY:
            raise ValueError("sort_by must be sent or responded")
        return cls(
            page_size, page_number, since_time, end_time, sort_by or "sent", direction == "desc"
        )
