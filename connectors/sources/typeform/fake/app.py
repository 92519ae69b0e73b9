"""A faithful fake of Typeform's Responses API (``GET /forms/{form_id}/responses``).

Semantics follow §3 of the survey API facts and Typeform's reference
[typeform.com/developers/responses/reference/retrieve-responses/]: Bearer auth, inclusive
``since``/``until`` on ``submitted_at``, exclusive ``after``/``before`` tokens in processing
order, the ~30-minute visibility lag (a response shows only once it is ``visibility_lag`` old),
``{code, description}`` errors, and ``submitted_at: "0001-01-01T00:00:00Z"`` on demand. An update
is a re-submission: the response keeps its token and moves to a later ``submitted_at``.
"""

from __future__ import annotations

import copy
import hashlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.sources.typeform.fake import payload
from connectors.sources.typeform.fake.index import Entry, SubmittedIndex
from connectors.sources.typeform.fake.query import BadParam, Query, parse_query, select
from syncd.sandbox.faults import Chaos, Fault
from syncd.sandbox.http import Request, Response

DEFAULT_FORM = "aB12cD"
DEFAULT_LAG_SECONDS = 1800.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TypeformFake:
    """Typeform as a ``LoopbackServer`` app; seed it with ``add_response``.

    ``requests`` holds ``(form, query)`` of every list request received, failures included.
    """

    vendor = "Typeform"

    def __init__(
        self,
        access_token: str = "sandbox-token",
        *,
        forms: tuple[str, ...] = (DEFAULT_FORM,),
        nps_ref: str = "nps",
        comment_ref: str = "nps_reason",
        visibility_lag_seconds: float = DEFAULT_LAG_SECONDS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.access_token = access_token
        self.forms = forms
        self.nps_ref, self.comment_ref = nps_ref, comment_ref
        self.visibility_lag = timedelta(seconds=visibility_lag_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._index: dict[str, SubmittedIndex] = {form: SubmittedIndex() for form in forms}
        self._seq = 0
        self._failures: deque[Response] = deque()
        self._fault: Fault | None = None
        self._chaos: Chaos | None = None
        self._minted = 0
        self._repeated: list[dict[str, Any]] | None = None
        self._rate: tuple[float, deque[float]] | None = None
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = _utc_now
    ) -> TypeformFake:
        """A fake serving the forms and refs of a ``[sources.<name>]`` section.

        ``clock`` stamps answers and ages the listing's visibility lag.
        """
        forms = section.get("forms")
        lag = section.get("visibility_lag_seconds", DEFAULT_LAG_SECONDS)
        return cls(
            str(section["access_token"]),
            forms=tuple(str(form) for form in forms)
            if isinstance(forms, list)
            else (DEFAULT_FORM,),
            nps_ref=str(section.get("nps_ref", "nps")),
            comment_ref=str(section.get("comment_ref") or "nps_reason"),
            visibility_lag_seconds=float(lag) if isinstance(lag, int | float) else 0.0,
            clock=clock,
        )

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
        form: str | None = None,
    ) -> str:
        """Store a completed response and return its token; ``overrides`` replace JSON keys."""
        submitted = math.floor((created_at or self._clock()).timestamp())
        hidden = {"email": email, "name": name, **dict(person_properties or {})}
        with self._lock:
            self._seq += 1
            token = hashlib.md5(f"typeform-{self._seq}".encode()).hexdigest()
            visible = {key: value for key, value in hidden.items() if value is not None}
            record = payload.item(token, submitted, visible, self._answers(score, comment))
            record.update(copy.deepcopy(dict(overrides or {})))
            index = self._index[form or self.forms[0]]
            index.add(token, Entry(self._seq, submitted, record))
        return token

    def update_response(
        self,
        response_id: str,
        *,
        comment: str | None = None,
        score: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """The respondent submits again: same token, later ``submitted_at``, new answers."""
        wanted = math.floor((at or self._clock()).timestamp())
        with self._lock:
            index, entry = self._find(response_id)
            index.move(entry, max(wanted, entry.submitted + 1))
            entry.record["submitted_at"] = payload.iso(entry.submitted)
            answers = entry.record["answers"]
            old = {_ref(a): a for a in answers if isinstance(a, dict)}
            new_score = score if score is not None else old.get(self.nps_ref, {}).get("number")
            new_comment = (
                comment if comment is not None else old.get(self.comment_ref, {}).get("text")
            )
            entry.record["answers"] = self._answers(new_score, new_comment)

    def webhook_delivery(self, token: str, secret: str) -> tuple[dict[str, str], bytes]:
        """The signed ``form_response`` delivery Typeform would POST for a stored response."""
        with self._lock:
            index, entry = self._find(token)
            form = next(name for name, held in self._index.items() if held is index)
            return payload.delivery(entry.record, form, secret)

    # -- fault injection -------------------------------------------------------------------

    def inject(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` list requests with ``status``."""
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        with self._lock:
            self._failures.extend(
                payload.error(status, f"HTTP_{status}", "injected failure", **headers)
                for _ in range(times)
            )

    def misbehave(self, fault: Fault | None) -> None:
        """Serve every later list request with ``fault`` (None: behave again)."""
        with self._lock:
            self._fault, self._repeated = fault, None

    def chaos(self, chaos: Chaos | None) -> None:
        """Fail a random share of requests (None: stop)."""
        with self._lock:
            self._chaos = chaos

    def limit_rate(self, per_second: float | None = 2.0) -> None:
        """Answer 429 beyond ``per_second`` requests per second, as Typeform does per account."""
        with self._lock:
            self._rate = None if per_second is None else (per_second, deque())

    def lift_limits(self) -> None:
        """No per-second rate limit (a simulated week compresses time)."""
        self.limit_rate(None)

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "forms" or parts[2] != "responses":
            return payload.error(404, "NOT_FOUND", "Endpoint not found")
        if request.method != "GET":
            return payload.error(405, "METHOD_NOT_ALLOWED", "Method not allowed")
        with self._lock:
            self.requests.append((parts[1], {k: list(v) for k, v in request.query.items()}))
            response = self._list(parts[1], request)
        return response

    def _list(self, form: str, request: Request) -> Response:
        drawn = self._chaos.draw() if self._chaos is not None else None
        refused = self._refusal(request, drawn)
        if refused is not None:
            return refused
        if form not in self._index:
            return payload.error(404, "FORM_NOT_FOUND", f"Non existing form with uid {form}")
        try:
            query = parse_query(request)
            body = self._page(form, query)
        except BadParam as exc:
            return payload.error(400, "VALIDATION_ERROR", str(exc))
        slow = self._fault is Fault.TRICKLE or drawn == "slow"
        return Response(200, body, trickle_seconds=0.05 if slow else 0.0)

    def _refusal(self, request: Request, drawn: str | None) -> Response | None:
        """An injected failure, a bad token or a rate limit; None when the request may pass."""
        if self._failures:
            return self._failures.popleft()
        if drawn in ("500", "429", "429-after", "reset"):
            return payload.drawn(drawn)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return payload.error(
                401, "AUTHENTICATION_FAILED", "Authentication credentials not found"
            )
        if self._over_rate():
            return payload.error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded")
        return None

    def _page(self, form: str, query: Query) -> dict[str, Any]:
        if self._fault in (Fault.ENDLESS, Fault.REPEAT):
            items = self._faulty(query)
            return {"total_items": 10**6, "page_count": 10**6, "items": items}
        visible = math.floor((self._clock() - self.visibility_lag).timestamp())
        entries, total = select(self._index[form], query, visible)
        items = [copy.deepcopy(entry.record) for entry in entries]
        pages = -(-total // query.page_size) if total else 0
        return {"total_items": total, "page_count": pages, "items": items}

    def _faulty(self, query: Query) -> list[dict[str, Any]]:
        if self._fault is Fault.REPEAT and self._repeated is not None:
            return self._repeated
        at = query.since if query.since is not None else 1_717_200_000
        items = []
        for _ in range(query.page_size):
            self._minted += 1
            items.append(payload.minted(self._minted, at, (self.nps_ref, self.comment_ref)))
        if self._fault is Fault.REPEAT:
            self._repeated = items
        return items

    def _over_rate(self) -> bool:
        if self._rate is None:
            return False
        per_second, calls = self._rate
        now = time.monotonic()
        while calls and calls[0] <= now - 1.0:
            calls.popleft()
        if len(calls) >= per_second:
            return True
        calls.append(now)
        return False

    def _answers(self, score: object, comment: str | None) -> list[dict[str, Any]]:
        return payload.answers((self.nps_ref, self.comment_ref), score, comment)

    def _find(self, token: str) -> tuple[SubmittedIndex, Entry]:
        for index in self._index.values():
            if token in index.by_token:
                return index, index.by_token[token]
        raise KeyError(token)


def _ref(answer: dict[str, Any]) -> object:
    field = answer.get("field")
    return field.get("ref") if isinstance(field, dict) else None
