"""A faithful fake of AskNicely's responses listing, for ``syncd demo`` and the tests.

Semantics follow §2 of the survey API facts, citing AskNicely's API docs: the ``X-apikey``
header (or query parameter) [asknicely.asknice.ly/help/apidocs/auth]; the eight positional path
segments ``responses/{dir}/{size}/{page}/{since}/{format}/{filter}/{sort_by}/{end}``, page size at
most 50,000, and results over 999 rows redirected to a temporary file on another host
[demo.asknice.ly/help/apidocs/responses]; numbers as strings in the envelope and the rows
[api-evangelist/asknicely openapi/asknicely-responses-api-openapi.yml]. Which time ``since_time``
filters on is unconfirmed: the fake filters on the ``sort_by`` time, both bounds inclusive.
"""

from __future__ import annotations

import calendar
import copy
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.sources.asknicely.fake.faults import Failures, Fault, error
from connectors.sources.asknicely.fake.index import AnswerIndex, Entry
from connectors.sources.asknicely.fake.query import ListingQuery
from connectors.sources.asknicely.fake.rows import delivery, minted_row, new_row, rate_headers
from syncd.sandbox.faults import FaultControls
from syncd.sandbox.http import Request, Response

#: Larger result sets are served as a redirect to a file (lowered from 2,000 on 2022-12-03).
REDIRECT_ABOVE = 999
FILES_PATH = "/asknicely-exports/"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _unix(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


class AskNicelyFake(FaultControls):
    """The AskNicely API as a ``LoopbackServer`` app; seed it with ``add_response``.

    ``requests`` holds the path of every listing request received, in arrival order;
    ``file_requests`` the headers each file download carried.
    """

    vendor = "AskNicely"

    def __init__(
        self, api_key: str = "sandbox-key", *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.api_key = api_key
        self._clock = clock
        self._lock = threading.Lock()
        self._index = AnswerIndex()
        self._entries: dict[str, Entry] = {}
        self._contacts: dict[str, str] = {}
        self._failures = Failures()
        self._fault: Fault | None = None
        self._endless = itertools.count(1)
        self._repeated: list[dict[str, Any]] | None = None
        self._files: dict[str, dict[str, Any]] = {}
        self.redirect_above = REDIRECT_ABOVE
        self.requests: list[str] = []
        self.file_requests: list[Mapping[str, str]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = _utc_now
    ) -> AskNicelyFake:
        """A fake that accepts the ``api_key`` of a ``[sources.<name>]`` section.

        ``clock`` stamps answers added or changed without an explicit time.
        """
        return cls(str(section["api_key"]), clock=clock)

    def lift_limits(self) -> None:
        """Nothing to lift: the fake enforces no rate limit (429s are injected only)."""

    # -- seeding ---------------------------------------------------------------------------

    def add_response(
        self,
        *,
        email: str | None,
        score: object,
        comment: str | None = None,
        created_at: datetime | None = None,
        name: str | None = None,
        person_properties: Mapping[str, str] | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> str:
        """Store an answer given at ``created_at``; custom properties become ``<key>_c`` fields."""
        responded = _unix(created_at or self._clock())
        with self._lock:
            seq = len(self._entries) + 1
            response_id = str(730_000 + seq)
            contact = self._contacts.setdefault(email or f"#anonymous-{seq}", str(410_000 + seq))
            record = new_row(
                response_id,
                contact,
                email=email,
                name=name,
                score=score,
                comment=comment,
                responded=responded,
                person_properties=person_properties or {},
            )
            record.update(copy.deepcopy(dict(overrides or {})))
            entry = Entry(seq, int(record["sent"]), responded, record)
            self._entries[response_id] = entry
            self._index.add(entry)
        return response_id

    def update_response(
        self,
        response_id: str,
        *,
        comment: str | None = None,
        score: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """A contact comments later or changes the score: the row changes, its times do not."""
        del at  # AskNicely keeps no update time; the row looks the same apart from its content
        with self._lock:
            entry = self._entries[response_id]
            if comment is not None:
                entry.record["comment"] = comment
            if score is not None:
                entry.record["answer"] = entry.record["answerlabel"] = str(score)
            entry.count += 1

    def webhook_body(self, response_id: str) -> bytes:
        """The delivery AskNicely's webhook would send now for this answer [asyncapi above]."""
        with self._lock:
            entry = self._entries[response_id]
            return json.dumps(delivery(entry.record, entry.count)).encode()

    def responses(self) -> list[dict[str, Any]]:
        """Deep copies of the stored rows, in the order they were added."""
        with self._lock:
            return [copy.deepcopy(entry.record) for entry in self._entries.values()]

    # -- faults: inject, chaos and misbehave come from FaultControls ------------------------

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        if request.path.startswith(FILES_PATH):
            return self._file(request)
        _, marker, rest = request.path.partition("/v1/responses/")
        if not marker:
            return error(404, "Not Found")
        if request.method != "GET":
            return error(405, "Method Not Allowed")
        with self._lock:
            self.requests.append(request.path)
            failure = self._failures.next()
            if failure is not None and (failure.status or failure.drop):
                return failure  # an error, or a dropped connection
            key = request.headers.get("x-apikey") or request.param("X-apikey")
            if key != self.api_key:
                return error(401, "Invalid API key")
            answer = self._listing(rest.split("/"), request.headers.get("host", "127.0.0.1"))
        if failure is not None:  # a slow answer
            answer.trickle_seconds = failure.trickle_seconds
        elif self._fault is Fault.TRICKLE:
            answer.trickle_seconds = 0.05
        return answer

    def _listing(self, segments: list[str], host: str) -> Response:
        try:
            query = ListingQuery.parse(segments)
        except ValueError as exc:
            return error(400, str(exc))
        page_size, page_number, sort_by = query.page_size, query.page, query.sort_by
        since_time, end_time = query.since_time, query.end_time
        bounds = self._index.window(sort_by, since_time, end_time)
        total = bounds[1] - bounds[0]
        rows = self._rows(sort_by, bounds, page_number, page_size, query.descending)
        pages = max(1, -(-total // page_size))
        if self._fault is Fault.ENDLESS:
            rows = [minted_row(next(self._endless), since_time) for _ in range(page_size)]
            pages, total = page_number + 1, (page_number + 1) * page_size
        elif self._fault is Fault.REPEAT:
            if self._repeated is None:
                self._repeated = [
                    minted_row(next(self._endless), since_time) for _ in range(page_size)
                ]
            rows, pages, total = self._repeated, 1000, 1000 * page_size
        envelope = {
            "success": True,
            "total": str(total),
            "totalpages": str(pages),
            "pagenumber": str(page_number),
            "pagesize": str(page_size),
            "since_time": str(since_time),
            "end_time": str(end_time),
            "data": rows,
        }
        if len(rows) > self.redirect_above:
            token = f"{len(self._files) + 1:06d}-{page_number}"
            self._files[token] = envelope
            location = f"http://{host}{FILES_PATH}{token}.json?X-Amz-Expires=300"
            return Response(302, {"success": True, "msg": "redirect"}, {"Location": location})
        return Response(200, envelope, rate_headers())

    def _rows(
        self, sort_by: str, bounds: tuple[int, int], page: int, size: int, descending: bool
    ) -> list[dict[str, Any]]:
        start = (page - 1) * size
        chosen = self._index.page(sort_by, bounds, start, size, descending=descending)
        return [copy.deepcopy(entry.record) for entry in chosen]

    def _file(self, request: Request) -> Response:
        """The temporary file host: no API key wanted, and a request carrying one is refused."""
        with self._lock:
            self.file_requests.append(dict(request.headers))
            if "x-apikey" in request.headers or "authorization" in request.headers:
                return Response(
                    400, {"Code": "InvalidRequest", "Message": "unexpected credentials"}
                )
            token = request.path.removeprefix(FILES_PATH).removesuffix(".json")
            envelope = self._files.pop(token, None)  # a temporary file: served once
        if envelope is None:
            return Response(403, {"Code": "AccessDenied", "Message": "Request has expired"})
        return Response(200, envelope)
