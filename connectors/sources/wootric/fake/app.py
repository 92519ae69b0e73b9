"""A faithful fake of Wootric's API (OAuth, responses, end users), for ``syncd demo`` and tests.

Semantics follow §5 of the survey API facts: ``POST /oauth/token`` with client credentials answers
a bearer token that expires (``expires_in`` 7200) [docs.wootric.com/api]; ``GET /v1/responses``
pages with ``page``/``per_page``, ``sort_order`` and the undocumented ``sort_key``, filters
``created[gt]``/``created[lt]`` that exclude their bound, at most 50 per page (more is silently
cut) and no page above 30 [singer-io/tap-wootric tap_wootric/__init__.py, README.md]; the
``updated[...]`` filter on responses comes from a third-party description only. Times are written
as the tap reads them, local with an offset (``2024-06-01 06:40:02 -0700``). Responses name their
end user by id; ``GET /v1/end_users/{id}`` gives email, ``external_id`` and properties
[docs.wootric.com/api]; ``embed_end_users`` serves them inline as a third party describes.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.sources.wootric.fake.faults import Failures, Fault, error
from connectors.sources.wootric.fake.index import KEYS, Entry, ResponseIndex
from connectors.sources.wootric.fake.oauth import TokenIssuer
from connectors.sources.wootric.fake.query import bounds, int_param
from connectors.sources.wootric.fake.records import delivery, end_user, minted, new_record
from connectors.sources.wootric.times import rest_format
from syncd.sandbox.faults import FaultControls
from syncd.sandbox.http import Request, Response

MAX_PER_PAGE = 50
MAX_PAGE = 30


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _unix(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


class WootricFake(FaultControls):
    """The Wootric API as a ``LoopbackServer`` app; seed it with ``add_response``.

    ``requests`` holds the query of every responses request received; ``tokens_issued`` counts
    the tokens minted.
    """

    vendor = "Wootric"

    def __init__(
        self,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._index = ResponseIndex()
        self._entries: dict[str, Entry] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._users_by_email: dict[str, str] = {}
        self._issuer = TokenIssuer(client_id, client_secret, clock)
        self._serial = itertools.count(1)
        self._failures = Failures()
        self._fault: Fault | None = None
        self._repeated: list[dict[str, Any]] | None = None
        self.embed_end_users = False
        self.requests: list[dict[str, list[str]]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = _utc_now
    ) -> WootricFake:
        """A fake that accepts the client credentials of a ``[sources.<name>]`` section.

        ``clock`` stamps answers and ages access tokens.
        """
        return cls(str(section["client_id"]), str(section["client_secret"]), clock=clock)

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
        """Store a response; ``customer_id`` in ``person_properties`` is the end user's
        ``external_id``, as a company sends it with its Wootric snippet."""
        del name  # Wootric end users carry no name field
        moment = created_at or self._clock()
        with self._lock:
            seq = len(self._entries) + 1
            response_id = str(5_520_000 + seq)
            user_id = self._end_user(email, dict(person_properties or {}), moment)
            record = new_record(int(response_id), int(user_id), score, comment, moment)
            record.update(copy.deepcopy(dict(overrides or {})))
            second = _unix(moment)
            entry = Entry(seq, second, second, record)
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
        """Edit a response; ``updated_at`` moves strictly forward so each edit is a new version."""
        wanted = _unix(at or self._clock())
        with self._lock:
            entry = self._entries[response_id]
            previous = entry.updated
            entry.updated = max(wanted, previous + 1)
            self._index.moved(entry, previous)
            entry.record["updated_at"] = rest_format(datetime.fromtimestamp(entry.updated, UTC))
            if comment is not None:
                entry.record["text"] = comment
            if score is not None:
                entry.record["score"] = score

    def webhook_body(self, response_id: str) -> bytes:
        """The JSON delivery of this response's ``created`` event [docs.wootric.com/webhooks]."""
        with self._lock:
            record = self._entries[response_id].record
            user = self._users.get(str(record["end_user_id"]), {})
            payload = delivery(record, user, self._clock())
            return json.dumps(payload).encode()

    @staticmethod
    def sign(body: bytes, secret: str) -> str:
        """``X-Wootric-Signature`` of ``body`` (``sha1=<hex HMAC-SHA1>``, documented above)."""
        return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()

    def responses(self) -> list[dict[str, Any]]:
        """Deep copies of the stored responses, in the order they were added."""
        with self._lock:
            return [copy.deepcopy(entry.record) for entry in self._entries.values()]

    # -- faults ----------------------------------------------------------------------------

    @property
    def tokens_issued(self) -> int:
        """How many tokens the token endpoint has minted."""
        return self._issuer.issued

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now, as after its two hours."""
        self._issuer.expire_all()

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        if request.path.endswith("/oauth/token"):
            return self._issuer(request)
        _, marker, rest = request.path.partition("/v1/")
        if not marker or request.method != "GET":
            return error(404, "Not found")
        with self._lock:
            if rest == "responses":
                self.requests.append({k: list(v) for k, v in request.query.items()})
            failure = self._failures.next()
            if failure is not None and (failure.status or failure.drop):
                return failure
            if not self._issuer.authorised(request.headers.get("authorization", "")):
                return error(401, "The access token is invalid")
            answer = self._route(rest, request)
        if failure is not None:
            answer.trickle_seconds = failure.trickle_seconds
        elif self._fault is Fault.TRICKLE and rest == "responses":
            answer.trickle_seconds = 0.05
        return answer

    def _route(self, rest: str, request: Request) -> Response:
        if rest == "responses":
            return self._list(request)
        head, _, user_id = rest.partition("/")
        if head == "end_users" and user_id in self._users:
            return Response(200, copy.deepcopy(self._users[user_id]))
        return error(404, "Not found")

    def _list(self, request: Request) -> Response:
        try:
            per_page = min(int_param(request, "per_page", 25), MAX_PER_PAGE)  # more is cut silently
            page = int_param(request, "page", 1)
            key = request.param("sort_key") or "created_at"
            low, high = bounds(request, "created" if key == "created_at" else "updated")
        except ValueError as exc:
            return error(400, str(exc))
        if page < 1 or page > MAX_PAGE or per_page < 1 or key not in KEYS:
            return error(400, f"page must be 1-{MAX_PAGE}; sort_key created_at or updated_at")
        if self._fault is Fault.ENDLESS:
            return Response(200, [minted(next(self._serial), low) for _ in range(per_page)])
        if self._fault is Fault.REPEAT:
            if self._repeated is None:
                self._repeated = [minted(next(self._serial), low) for _ in range(per_page)]
            return Response(200, self._repeated)
        descending = request.param("sort_order") == "desc"
        chosen = self._index.page(
            key, low, high, (page - 1) * per_page, per_page, descending=descending
        )
        rows = [self._served(entry.record) for entry in chosen]
        return Response(200, rows, {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "99"})

    def _served(self, record: dict[str, Any]) -> dict[str, Any]:
        served = copy.deepcopy(record)
        if self.embed_end_users:
            served["end_user"] = copy.deepcopy(self._users.get(str(record.get("end_user_id")), {}))
        return served

    def _end_user(self, email: str | None, properties: dict[str, str], at: datetime) -> str:
        known = self._users_by_email.get(email) if email else None
        if known is not None:
            return known
        user_id = str(2_290_000 + len(self._users) + 1)
        self._users[user_id] = end_user(int(user_id), email, properties, at)
        if email:
            self._users_by_email[email] = user_id
        return user_id
