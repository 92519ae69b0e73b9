"""Walking one form's responses over a window, and knowing how far the walk is complete.

``since``/``until`` are inclusive and work on ``submitted_at`` to the second; ``after`` takes a
response token, is exclusive, and cannot be combined with ``sort``: results then come in
Typeform's processing order [typeform.com/developers/responses/reference/retrieve-responses/].

So the walk reads ``sort=submitted_at,asc`` pages keyset-style (the next page starts at the last
item's second, re-reading it: ties are neither lost nor doubled as versions). Where that cannot
go on, a token walk takes over a fixed range, in processing order with ``after=<last token>``:
when a whole page shares one second (keyset cannot get past it), or when a sorted page comes
back out of order (keyset would skip). A token walk ends at a short page; the range is then
complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog

from connectors.sources.typeform.client import Params

_log = structlog.get_logger(__name__)


def stamp(seconds: int) -> str:
    """A Unix second as Typeform's filter format: ISO-8601 UTC to the second, no offset."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


class FormWalk:
    """Position and progress of one form's listing over ``[start, end]`` (Unix seconds).

    ``progress`` is the latest second up to which every response of the form has been read.
    """

    def __init__(self, form: str, start: int, end: int, page_size: int) -> None:
        self.form = form
        self.end = end
        self.page_size = page_size
        self.cursor = start
        self.progress = start - 1
        self.done = False
        #: (last second of the range, token to continue after) while a token walk runs.
        self._tokens: tuple[int, str] | None = None
        self._last_page: Sequence[object] | None = None

    def params(self) -> Params:
        """The query string of the next request."""
        base: dict[str, str | int] = {"page_size": self.page_size, "response_type": "completed"}
        if self._tokens is None:
            until = stamp(self.end)
            return base | {"since": stamp(self.cursor), "until": until, "sort": "submitted_at,asc"}
        last, after = self._tokens
        return base | {"since": stamp(self.cursor), "until": stamp(last), "after": after}

    def advance(self, items: Sequence[object]) -> None:
        """Take in the page just read: finish, or move to where the next request starts."""
        if items and items == self._last_page:
            # An honest server never answers two positions with the same page.
            _log.warning("typeform.repeated_page", form=self.form, hint="rest is read next pass")
            self.done = True  # progress stays: what follows the page is unread
            return
        self._last_page = items
        if self._tokens is not None:
            self._token_step(items, self._tokens[0])
        elif len(items) < self.page_size:
            self.done, self.progress = True, self.end
        else:
            self._keyset_step(items)

    def _keyset_step(self, items: Sequence[object]) -> None:
        times = [_second(item) for item in items]
        known = [t for t in times if t is not None]
        if len(known) < len(times) or known != sorted(known) or known[0] < self.cursor:
            self._by_token(items, self.end)  # not in order: walk the rest by token
        elif known[0] == known[-1]:
            # A whole page in one second: keyset cannot get past it, tokens can.
            self.progress = max(self.progress, known[0] - 1)
            self.cursor = known[0]
            self._by_token(items, known[0])
        else:
            self.progress = max(self.progress, known[-1] - 1)
            self.cursor = known[-1]

    def _token_step(self, items: Sequence[object], last: int) -> None:
        if len(items) < self.page_size:
            self.progress = max(self.progress, last)
            self.cursor, self._tokens = last + 1, None
            self.done = self.cursor > self.end
            return
        self._by_token(items, last)

    def _by_token(self, items: Sequence[object], last: int) -> None:
        """Continue after the page's last token, up to second ``last``.

        The token walk continues from the sorted page as Airbyte's connector does (sorted first
        page, then ``after=<last token>``): processing order follows submission order, so what
        comes after the last token is what the sorted page did not yet hold.
        """
        token = _token(items[-1])
        if token is None:
            _log.warning("typeform.no_token", form=self.form, hint="rest is read next pass")
            self.done = True
            return
        self._tokens = (last, token)


def _second(item: object) -> int | None:
    value = item.get("submitted_at") if isinstance(item, dict) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _token(item: object) -> str | None:
    value = item.get("token") if isinstance(item, dict) else None
    return value if isinstance(value, str) and value.strip() else None
