"""HTTP to Delighted: auth, rate limiting, transient retries and the error mapping.

Every error message passes through ``_redact`` (redacted first, cut short after) so the API key
can never reach a log line, even if a proxy echoes the request back into a body.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from connectors.sources.delighted.settings import DelightedSettings
from syncd.edge.limiter import Limiter, LimiterFactory, local_limiter, per_second
from syncd.edge.retry_after import retry_after
from syncd.edge.retrying import Retrier
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.redact import Redactor

LIST_PATH = "survey_responses.json"
#: How much of a vendor message an error keeps (after redaction).
MAX_DETAIL = 300

Params = Mapping[str, str | int | Sequence[str]]


class DelightedClient:
    """Lists survey responses; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: DelightedSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiters: LimiterFactory = local_limiter,
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
        self._limiter: Limiter = limiters("requests", *per_second(settings.requests_per_second))
        self._retrier = Retrier(settings.inline_retry(), "delighted", sleep=sleep)

    def list_responses(self, params: Params) -> list[object]:
        """One page of ``GET survey_responses.json``, retried while the failure is transient."""
        return self._retrier.call(
            lambda: self._get_once(params),
            retry_if=lambda error: isinstance(error, SourceUnavailable),
            limiter=self._limiter,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _get_once(self, params: Params) -> list[object]:
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
        wait = retry_after(response.headers)
        if status == 429:
            return SourceUnavailable("Delighted rate limit hit (429)", retry_after=wait)
        if status >= 500:
            return SourceUnavailable(f"Delighted failed ({status} {detail})", wait)
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


def _vendor_message(response: httpx.Response, content: bytes) -> str:
    try:
        body: object = json.loads(content)
    except ValueError:
        return response.reason_phrase or "no message"
    message = body.get("message") if isinstance(body, dict) else None
    return str(message) if message else response.reason_phrase or "no message"
