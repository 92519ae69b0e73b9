"""A faithful fake of SurveyMonkey's v3 survey details and bulk responses.

Semantics follow §4 of the survey API facts [SurveyMonkey/public_api_docs includes/_overview.md,
_responses.md, _webhooks.md]: bearer auth; ``{"error": {id, name, message, http_status_code}}``
errors; ``X-Ratelimit-App-Global-{Day,Minute}-{Limit,Remaining,Reset}`` on every answer and 429
(error 1040) once the day's allowance is spent; page-number paging with ``links.next``; NPS
answers as choice ids; signed, ids-only webhook callbacks. An update moves ``date_modified``.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.sources.surveymonkey.fake import payload
from connectors.sources.surveymonkey.fake.index import Entry, ModifiedIndex
from connectors.sources.surveymonkey.fake.query import BadParam, links, parse_query, select
from connectors.sources.surveymonkey.fake.survey import (
    CHOICES,
    COMMENT_QUESTION,
    NPS_QUESTION,
    answer_pages,
    details,
)
from syncd.sandbox.faults import Chaos, Fault
from syncd.sandbox.http import Request, Response

DEFAULT_SURVEY = "412233001"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SurveyMonkeyFake:
    """SurveyMonkey as a ``LoopbackServer`` app; seed it with ``add_response``.

    ``requests`` holds ``(path, query)`` of every request received, failures included.
    """

    vendor = "SurveyMonkey"

    def __init__(
        self,
        access_token: str = "sandbox-token",
        *,
        surveys: tuple[str, ...] = (DEFAULT_SURVEY,),
        daily_limit: int = 500,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.access_token = access_token
        self.surveys = surveys
        self.daily_limit = daily_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._index = {survey: ModifiedIndex() for survey in surveys}
        self._seq = 0
        self._day: tuple[object, int] = (None, 0)
        self._failures: deque[Response] = deque()
        self._fault: Fault | None = None
        self._chaos: Chaos | None = None
        self._minted = 0
        self._repeated: list[dict[str, Any]] | None = None
        self.requests: list[tuple[str, dict[str, list[str]]]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = _utc_now
    ) -> SurveyMonkeyFake:
        """A fake serving the surveys of a ``[sources.<name>]`` section, with its daily limit.

        ``clock`` stamps answers and says which day's request allowance is being spent.
        """
        surveys = section.get("surveys")
        limit = section.get("daily_request_limit", 500)
        return cls(
            str(section["access_token"]),
            surveys=tuple(map(str, surveys)) if isinstance(surveys, list) else (DEFAULT_SURVEY,),
            daily_limit=limit if isinstance(limit, int) else 500,
            clock=clock,
        )

    def lift_limits(self) -> None:
        """Practically no daily request allowance (a simulated week compresses time)."""
        self.daily_limit = 10**9

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
        survey: str | None = None,
    ) -> str:
        """Store a completed response and return its id; ``overrides`` replace JSON keys."""
        created = math.floor((created_at or self._clock()).timestamp())
        chosen = survey or self.surveys[0]
        person = (email, name, dict(person_properties or {}))
        with self._lock:
            self._seq += 1
            response_id = str(119034421000 + self._seq)
            record = payload.record(response_id, chosen, created, person, (score, comment))
            record.update(copy.deepcopy(dict(overrides or {})))
            self._index[chosen].add(response_id, Entry(self._seq, created, record))
        return response_id

    def update_response(
        self,
        response_id: str,
        *,
        comment: str | None = None,
        score: int | None = None,
        at: datetime | None = None,
    ) -> None:
        """The respondent edits the answer: ``date_modified`` moves strictly forward."""
        wanted = math.floor((at or self._clock()).timestamp())
        with self._lock:
            index = next(i for i in self._index.values() if response_id in i.by_id)
            entry = index.by_id[response_id]
            index.move(entry, max(wanted, entry.modified + 1))
            entry.record["date_modified"] = payload.iso(entry.modified)
            questions = entry.record["pages"][0]["questions"]
            old = {q["id"]: q["answers"][0] for q in questions if q.get("answers")}
            new_score = score if score is not None else _score_of(old)
            new_comment = comment if comment is not None else _comment_of(old)
            entry.record["pages"] = answer_pages(new_score, new_comment)

    def webhook_delivery(
        self, response_id: str, api_key: str, secret: str, event: str = "response_completed"
    ) -> tuple[dict[str, str], bytes]:
        """The signed, ids-only callback SurveyMonkey would POST for a stored response."""
        with self._lock:
            survey = next(s for s, i in self._index.items() if response_id in i.by_id)
        at = math.floor(self._clock().timestamp())
        return payload.callback(survey, response_id, event, at, (api_key, secret))

    # -- fault injection -------------------------------------------------------------------

    def inject(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` requests with ``status``."""
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        with self._lock:
            self._failures.extend(payload.error(status, **headers) for _ in range(times))

    def misbehave(self, fault: Fault | None) -> None:
        """Serve every later bulk request with ``fault`` (None: behave again)."""
        with self._lock:
            self._fault, self._repeated = fault, None

    def chaos(self, chaos: Chaos | None) -> None:
        """Fail a random share of requests (None: stop)."""
        with self._lock:
            self._chaos = chaos

    def requests_today(self) -> int:
        """Requests counted against today's allowance."""
        with self._lock:
            return self._day[1]

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.requests.append((request.path, {k: list(v) for k, v in request.query.items()}))
            response = self._answer(request)
            response.headers.update(self._quota_headers())
        return response

    def _answer(self, request: Request) -> Response:
        drawn = self._chaos.draw() if self._chaos is not None else None
        refused = self._refusal(request, drawn)
        if refused is not None:
            return refused
        parts = request.path.strip("/").split("/")
        if len(parts) < 4 or parts[:2] != ["v3", "surveys"] or parts[2] not in self._index:
            return payload.error(404, "There was an error retrieving the requested resource.")
        if parts[3:] == ["details"]:
            return Response(200, details(parts[2]))
        if parts[3:] != ["responses", "bulk"]:
            return payload.error(404)
        try:
            body = self._bulk(parts[2], request)
        except BadParam as exc:
            return payload.error(400, str(exc))
        slow = self._fault is Fault.TRICKLE or drawn == "slow"
        return Response(200, body, trickle_seconds=0.05 if slow else 0.0)

    def _refusal(self, request: Request, drawn: str | None) -> Response | None:
        """An injected failure, a bad token or a spent day; None when the request may pass."""
        if self._failures:
            return self._failures.popleft()
        if drawn in ("500", "429", "429-after", "reset"):
            return payload.drawn(drawn)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != self.access_token:
            return payload.error(401, "The authorization token provided was invalid.")
        if not self._count():
            return payload.error(429, "Too many requests were made, try again later.")
        return None

    def _bulk(self, survey: str, request: Request) -> dict[str, Any]:
        query = parse_query(request)
        if self._fault in (Fault.ENDLESS, Fault.REPEAT):
            data, total = self._faulty(query.per_page, query.after), 10**6
        else:
            entries, total = select(self._index[survey], query)
            data = [copy.deepcopy(entry.record) for entry in entries]
        base = f"https://api.surveymonkey.com/v3/surveys/{survey}/responses/bulk"
        shown = links(base, request, query, total)
        return {"data": data, "per_page": query.per_page, "page": query.page, "total": total,
                "links": shown}  # fmt: skip

    def _faulty(self, per_page: int, after: int | None) -> list[dict[str, Any]]:
        if self._fault is Fault.REPEAT and self._repeated is not None:
            return self._repeated
        at = (after or 1_717_200_000) + 1
        data = []
        for _ in range(per_page):
            self._minted += 1
            data.append(payload.minted(self._minted, at))
        if self._fault is Fault.REPEAT:
            self._repeated = data
        return data

    def _count(self) -> bool:
        today = self._clock().date()
        day, used = self._day if self._day[0] == today else (today, 0)
        self._day = (day, used + 1)
        return used < self.daily_limit

    def _quota_headers(self) -> dict[str, str]:
        now = self._clock()
        used = self._day[1] if self._day[0] == now.date() else 0
        return payload.quota_headers(self.daily_limit, used, now)


def _score_of(answers: Mapping[str, Any]) -> object:
    choice = answers.get(NPS_QUESTION, {}).get("choice_id")
    return CHOICES.index(choice) if choice in CHOICES else None


def _comment_of(answers: Mapping[str, Any]) -> str | None:
    text = answers.get(COMMENT_QUESTION, {}).get("text")
    return text if isinstance(text, str) else None
