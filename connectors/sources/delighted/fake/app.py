"""A faithful fake of Delighted's survey responses listing (``GET /v1/survey_responses.json``).

Semantics follow §1 of the survey API facts: Basic auth with the key as user, page-number paging,
inclusive Unix-second filters on ``created_at`` and ``updated_at``, the ``order`` variants and
``expand[]=person``. Where the facts are unconfirmed the fake takes the pessimistic reading: a
never-updated response has ``"updated_at": null`` and is *not* matched by ``updated_since``.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import copy
import threading
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from connectors.sources.delighted.fake.faults import Fault, FaultyPages
from connectors.sources.delighted.fake.index import Entry, TimeIndex
from connectors.sources.delighted.fake.query import BadParam, Query, parse_query, select
from syncd.sandbox.http import Request, Response

LIST_PATH = "/v1/survey_responses"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _unix(moment: datetime) -> int:
    """Unix seconds; a naive datetime is taken as UTC (timegm ignores tzinfo after utctimetuple)."""
    return calendar.timegm(moment.utctimetuple())


def _error(status: int, message: str | None = None, **headers: str) -> Response:
    text = message or HTTPStatus(status).phrase
    return Response(status, {"status": status, "message": text}, dict(headers))


class DelightedFake:
    """The Delighted API as a ``LoopbackServer`` app; seed it with ``add_response``.

    ``requests`` holds the query parameters of every list request received, including those
    answered with an injected failure or a 401, in arrival order.
    """

    vendor = "Delighted"

    def __init__(
        self, api_key: str = "sandbox-key", *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.api_key = api_key
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._index = TimeIndex()
        self._people: dict[str, dict[str, Any]] = {}
        self._failures: deque[Response] = deque()
        self._fault: FaultyPages | None = None
        self.requests: list[dict[str, list[str]]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = _utc_now
    ) -> DelightedFake:
        """A fake that accepts the ``api_key`` of a ``[sources.<name>]`` section.

        ``clock`` stamps answers added or changed without an explicit time.
        """
        return cls(str(section["api_key"]), clock=clock)

    def lift_limits(self) -> None:
        """Nothing to lift: the fake enforces no rate limit (429s come only from ``inject``)."""

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
        survey_type: str = "nps",
        overrides: Mapping[str, object] | None = None,
    ) -> str:
        """Store a response and return its id; ``overrides`` replace keys of the stored JSON."""
        created = _unix(created_at or self._clock())
        with self._lock:
            response_id = str(len(self._entries) + 1)
            record: dict[str, Any] = {
                "id": response_id,
                "person": self._person(email, name, created),
                "survey_type": survey_type,
                "score": score,
                "comment": comment,
                "permalink": f"https://app.delighted.com/r/sandbox{response_id}",
                "created_at": created,
                "updated_at": None,
                "person_properties": dict(person_properties or {}),
                "notes": [],
                "tags": [],
                "additional_answers": [],
            }
            record.update(copy.deepcopy(dict(overrides or {})))
            entry = Entry(len(self._entries) + 1, created, None, record)
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
        """Change a response as Delighted does when a comment arrives after the score.

        ``updated_at`` always moves strictly forward (an ``at`` not after the previous time is
        bumped by one second) so each update is a new version. ``None`` leaves a field as is.
        """
        wanted = _unix(at or self._clock())
        with self._lock:
            entry = self._entries[response_id]
            previous = entry.updated
            entry.updated = max(wanted, (entry.updated or entry.created) + 1)
            self._index.moved(entry, previous)
            entry.record["updated_at"] = entry.updated
            if comment is not None:
                entry.record["comment"] = comment
            if score is not None:
                entry.record["score"] = score

    def responses(self) -> list[dict[str, Any]]:
        """Deep copies of the stored JSON (``person`` expanded), in creation order."""
        with self._lock:
            return [copy.deepcopy(entry.record) for entry in self._entries.values()]

    def inject(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` list requests with ``status`` (429 carries Retry-After)."""
        headers = {} if retry_after is None else {"Retry-After": _format_seconds(retry_after)}
        message = "Too Many Requests" if status == 429 else None
        with self._lock:
            self._failures.extend(_error(status, message, **headers) for _ in range(times))

    def misbehave(self, fault: Fault | None, *, trickle_seconds: float = 2.0) -> None:
        """Serve every later list request with ``fault`` (None: behave again)."""
        with self._lock:
            self._fault = None if fault is None else FaultyPages(fault, trickle_seconds)

    def _person(self, email: str | None, name: str | None, created: int) -> dict[str, Any]:
        # One person per email, as in Delighted; respondents without email get their own person.
        key = email if email is not None else f"#anonymous-{len(self._people)}"
        if key not in self._people:
            self._people[key] = {
                "id": str(len(self._people) + 1),
                "email": email,
                "name": name,
                "created_at": created,
                "phone_number": None,
            }
        return copy.deepcopy(self._people[key])

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        path = request.path.removesuffix(".json")
        if path != LIST_PATH:
            return _error(404, "Not Found")
        if request.method != "GET":
            return _error(405, "Method Not Allowed")
        # Delighted speaks only JSON: a .json suffix or an Accept header must say so.
        accept = request.headers.get("accept", "")
        if not request.path.endswith(".json") and "application/json" not in accept:
            return _error(406, "Not Acceptable: this API only responds with JSON")
        with self._lock:
            self.requests.append({name: list(values) for name, values in request.query.items()})
            return self._list(request)

    def _list(self, request: Request) -> Response:
        if self._failures:
            return self._failures.popleft()
        if not self._authorised(request.headers.get("authorization")):
            return _error(401, "Invalid API key")
        try:
            query = parse_query(request)
        except BadParam as exc:
            return _error(422, str(exc))
        if self._fault is None:
            return Response(200, self._page(query))
        faulty = self._fault.page(query.per_page, query.bounds)
        if faulty is not None:
            return Response(200, faulty)
        return Response(200, self._page(query), trickle_seconds=self._fault.trickle_seconds)

    def _authorised(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        return decoded == f"{self.api_key}:"

    def _page(self, query: Query) -> list[dict[str, Any]]:
        return [_render(entry.record, query.expand_person) for entry in select(self._index, query)]


def _format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def _render(record: dict[str, Any], expand_person: bool) -> dict[str, Any]:
    served = copy.deepcopy(record)
    person = served.get("person")
    if not expand_person and isinstance(person, dict) and "id" in person:
        served["person"] = person["id"]
    return served
