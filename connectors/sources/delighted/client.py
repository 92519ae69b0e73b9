"""HTTP to Delighted: auth, rate limiting, transient retries and the error mapping.

Every error message passes through ``_redact`` (redacted first, cut short after) so the API key
can never reach a log line, even if a proxy echoes the request back into a body.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_exponential

from connectors.sources.delighted.settings import DelightedSettings
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.ratelimit import SlidingWindowLimiter
from syncd.redact import Redactor

LIST_PATH = "survey_responses.json"
#: A longer Retry-After is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT = 60.0
#: How much of a vendor message an error keeps (after redaction).
MAX_DETAIL = 300
_backoff = wait_exponential(multiplier=1, max=30)
_log = structlog.get_logger(__name__)

Params = Mapping[str, str | int | Sequence[str]]


class DelightedClient:
    """Lists survey responses; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: DelightedSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = settings.api_key.get_secret_value()
        basic = base64.b64encode(f"{key}:".encode()).decode()
        self._redactor = Redactor.of((key, basic))
        self._timeout = settings.timeout_seconds
        self._deadline = settings.request_deadline_seconds
        self._http = httpx.Client(
            base_url=settings.base_url,
            auth=httpx.BasicAuth(key, ""),
            headers={"Accept": "application/json", "User-Agent": "syncd"},
            timeout=min(settings.timeout_seconds, settings.request_deadline_seconds),
            transport=transport,
        )
        self._limiter = _limiter(settings.requests_per_second)
        self._retrying = Retrying(
            retry=retry_if_exception_type(SourceUnavailable),
            stop=stop_after_attempt(settings.max_retries + 1) | _StopOnLongWait(),
            wait=_wait,
            sleep=sleep,
            before_sleep=_log_retry,
            reraise=True,
        )

    def list_responses(self, params: Params) -> list[object]:
        """One page of ``GET survey_responses.json``, retried while the failure is transient."""
        return self._retrying(self._get_once, params)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _get_once(self, params: Params) -> list[object]:
        self._limiter.acquire()
        deadline = time.monotonic() + self._deadline
        try:
            with self._http.stream("GET", LIST_PATH, params=params) as response:
                content = _read_until(response, deadline, self._deadline)
        except httpx.TimeoutException:
            raise SourceUnavailable(f"Delighted did not answer within {self._timeout:g}s") from None
        except httpx.RequestError as exc:
            message = f"cannot reach Delighted: {type(exc).__name__} {exc}"
            raise SourceUnavailable(self._redact(message)) from None
        if response.status_code != 200:
            raise self._error(response, content)
        return _body(content)

    def _error(self, response: httpx.Response, content: bytes) -> SourceError:
        status = response.status_code
        detail = self._redact(_vendor_message(response, content), MAX_DETAIL)
        if status == 401:
            return SourceAuthError(f"Delighted refused the API key (401 {detail})")
        if status == 403:  # Delighted: the feature is not on the account's plan
            return SourceAuthError(f"Delighted denied access (403 {detail}); check the plan")
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if status == 429:
            return SourceUnavailable("Delighted rate limit hit (429)", retry_after=retry_after)
        if status >= 500:
            return SourceUnavailable(f"Delighted failed ({status} {detail})", retry_after)
        return SourceRejected(f"Delighted rejected the request ({status} {detail})")

    def _redact(self, text: str, limit: int = MAX_DETAIL) -> str:
        return self._redactor.clip(text, limit)


def _read_until(response: httpx.Response, deadline: float, allowed: float) -> bytes:
    """Read the whole body, giving up at ``deadline``.

    httpx's timeout bounds each read, not the request: a server trickling one byte a second
    would hold a plain ``get`` for as long as it likes.
    """
    chunks: list[bytes] = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"Delighted did not send its whole answer within {allowed:g}s")
    return b"".join(chunks)


def _body(content: bytes) -> list[object]:
    try:
        body: object = json.loads(content)
    except ValueError:
        raise SourceUnavailable("Delighted answered 200 with a body that is not JSON") from None
    if not isinstance(body, list):
        kind = type(body).__name__
        raise SourceUnavailable(f"Delighted answered 200 with a JSON {kind}, not a list")
    return body


def _limiter(requests_per_second: float) -> SlidingWindowLimiter:
    # Whole calls per window: 2/s -> 2 per 1 s, 0.5/s -> 1 per 2 s, 2.5/s -> 2 per 0.8 s.
    calls = max(1, int(requests_per_second))
    return SlidingWindowLimiter(calls, calls / requests_per_second)


def _vendor_message(response: httpx.Response, content: bytes) -> str:
    try:
        body: object = json.loads(content)
    except ValueError:
        return response.reason_phrase or "no message"
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else response.reason_phrase or "no message"


def _retry_after(header: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC but parses naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _vendor_retry_after(state: RetryCallState) -> float | None:
    error = state.outcome.exception() if state.outcome else None
    return error.retry_after if isinstance(error, SourceUnavailable) else None


def _wait(state: RetryCallState) -> float:
    asked = _vendor_retry_after(state)
    return asked if asked is not None else _backoff(state)


class _StopOnLongWait(stop_base):
    """Give up at once when the vendor asks for a wait too long to sit through inline."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = _vendor_retry_after(retry_state)
        return asked is not None and asked > MAX_INLINE_WAIT


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    _log.warning("delighted.retry", attempt=state.attempt_number, wait=wait, error=str(error))
