"""HTTP to SurveyMonkey: auth, per-minute pacing, the daily budget, retries and error mapping.

Every request, retries and checks included, is counted against the ``DailyBudget``; a request
the budget cannot afford is not sent (``BudgetSpent``). Error messages pass through the
redactor so the token never reaches a log line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import httpx

from connectors.sources.surveymonkey.budget import DailyBudget
from connectors.sources.surveymonkey.settings import SurveyMonkeySettings
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.edge.retry_after import header, retry_after
from syncd.edge.retrying import Retrier
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.redact import Redactor

MAX_DETAIL = 300

Params = Mapping[str, str | int]


class BudgetSpent(SourceUnavailable):
    """The day's planned requests are used up for now; ``retry_after`` says until when."""


class SurveyMonkeyClient:
    """Reads survey details and response pages; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: SurveyMonkeySettings,
        budget: DailyBudget,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        token = settings.access_token.get_secret_value()
        self._redactor = Redactor.of((token,))
        self._deadline = settings.request_deadline_seconds
        self._timeout = settings.timeout_seconds
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "Authorization": f"bearer {token}",
                "Accept": "application/json",
                "User-Agent": "syncd",
            },
            timeout=min(settings.timeout_seconds, settings.request_deadline_seconds),
            transport=transport,
        )
        self.budget = budget
        self._limiter = limiters("requests", settings.requests_per_minute, 60.0)
        self._retrier = Retrier(settings.inline_retry(), "surveymonkey", sleep=sleep)

    def responses(self, survey: str, params: Params) -> dict[str, object]:
        """One page of ``GET /surveys/{id}/responses/bulk``: the whole JSON object."""
        return self._get(f"/surveys/{quote(survey, safe='')}/responses/bulk", params)

    def details(self, survey: str, *, reserve_ok: bool = False) -> dict[str, object]:
        """``GET /surveys/{id}/details``: pages, questions and their choices."""
        return self._get(f"/surveys/{quote(survey, safe='')}/details", {}, reserve_ok=reserve_ok)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _get(self, path: str, params: Params, *, reserve_ok: bool = False) -> dict[str, object]:
        return self._retrier.call(
            lambda: self._get_once(path, params, reserve_ok),
            retry_if=lambda error: (
                isinstance(error, SourceUnavailable) and not isinstance(error, BudgetSpent)
            ),
            limiter=self._limiter,
        )

    def _get_once(self, path: str, params: Params, reserve_ok: bool) -> dict[str, object]:
        wait = self.budget.wait(reserve_ok=reserve_ok)
        if wait > 0:
            raise BudgetSpent(f"SurveyMonkey daily budget: next request in {wait:.0f}s", wait)
        deadline = time.monotonic() + self._deadline
        try:
            with self._http.stream("GET", path, params=params) as response:
                content = _read_until(response, deadline, self._deadline)
        except httpx.TimeoutException:
            raise SourceUnavailable(f"SurveyMonkey gave no answer in {self._timeout:g}s") from None
        except httpx.RequestError as exc:
            message = f"cannot reach SurveyMonkey: {type(exc).__name__} {exc}"
            raise SourceUnavailable(self._redactor.clip(message, MAX_DETAIL)) from None
        self.budget.observe(response.headers)
        if response.status_code != 200:
            raise self._error(response, content)
        return _object(content)

    def _error(self, response: httpx.Response, content: bytes) -> SourceError:
        status = response.status_code
        detail = self._redactor.clip(_vendor_message(response, content), MAX_DETAIL)
        if status == 401:
            return SourceAuthError(f"SurveyMonkey refused the access token (401 {detail})")
        if status == 403:
            return SourceAuthError(f"SurveyMonkey denied access (403 {detail}); check scope/plan")
        if status == 429:
            return SourceUnavailable("SurveyMonkey rate limit hit (429)", _reset_wait(response))
        if status >= 500:
            return SourceUnavailable(
                f"SurveyMonkey failed ({status} {detail})", _reset_wait(response)
            )
        if status == 404:
            return SourceRejected(f"SurveyMonkey has no such survey (404 {detail}); check surveys")
        return SourceRejected(f"SurveyMonkey rejected the request ({status} {detail})")


def _reset_wait(response: httpx.Response) -> float | None:
    """Retry-After when sent; else the reset of whichever allowance is at zero.

    SurveyMonkey sends ``X-Ratelimit-App-Global-{Minute,Day}-Remaining``/``-Reset`` (seconds)
    rather than Retry-After [public_api_docs includes/_overview.md "Headers"].
    """
    asked = retry_after(response.headers)
    if asked is not None:
        return asked
    for window in ("day", "minute"):
        remaining = header(response.headers, f"x-ratelimit-app-global-{window}-remaining")
        reset = header(response.headers, f"x-ratelimit-app-global-{window}-reset")
        if remaining == "0" and reset is not None and reset.isdigit() and len(reset) < 7:
            return float(reset)
    return None


def _read_until(response: httpx.Response, deadline: float, allowed: float) -> bytes:
    """The whole body, giving up at ``deadline`` (httpx's timeout bounds each read only)."""
    chunks: list[bytes] = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"SurveyMonkey did not send its answer within {allowed:g}s")
    return b"".join(chunks)


def _object(content: bytes) -> dict[str, object]:
    try:
        body: object = json.loads(content)
    except ValueError:
        raise SourceUnavailable("SurveyMonkey answered 200 with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise SourceUnavailable("SurveyMonkey answered 200 with JSON that is not an object")
    return body


def _vendor_message(response: httpx.Response, content: bytes) -> str:
    # {"error": {"id": "1011", "name": ..., "message": ..., "http_status_code": ...}}
    try:
        body: object = json.loads(content)
    except ValueError:
        return response.reason_phrase or "no message"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return f"{error.get('id', '?')}: {error['message']}"
    return response.reason_phrase or "no message"
