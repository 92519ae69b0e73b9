"""HTTP to Typeform: auth, the per-account rate limit, transient retries and the error mapping.

Every error message passes through the redactor (redacted first, cut short after) so the token
can never reach a log line, even if a proxy echoes the request back into a body.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import httpx

from connectors.sources.typeform.settings import TypeformSettings
from syncd.edge.limiter import Limiter, LimiterFactory, SlidingWindowLimiter, per_second
from syncd.edge.retry_after import retry_after
from syncd.edge.retrying import Retrier
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.redact import Redactor

#: How much of a vendor message an error keeps (after redaction).
MAX_DETAIL = 300

Params = Mapping[str, str | int]

_ACCOUNTS: dict[str, SlidingWindowLimiter] = {}
_ACCOUNTS_LOCK = threading.Lock()


def account_limiter(settings: TypeformSettings, limiters: LimiterFactory | None = None) -> Limiter:
    """One limiter per Typeform account (token and host): in this process, or in ``limiters``
    (the store, shared by replicas) when given.

    Typeform's limit is 2 requests per second per account, not per form or per source: two
    sources configured with the same token must share it [Typeform/js-api-client src/utils.ts,
    citing typeform.com/developers/get-started/#rate-limits].
    """
    token = settings.access_token.get_secret_value()
    key = hashlib.sha256(f"{settings.base_url}\n{token}".encode()).hexdigest()
    if limiters is not None:
        return limiters(f"account-{key[:16]}", *per_second(settings.requests_per_second))
    with _ACCOUNTS_LOCK:
        if key not in _ACCOUNTS:
            _ACCOUNTS[key] = SlidingWindowLimiter.per_second(settings.requests_per_second)
        return _ACCOUNTS[key]


class TypeformClient:
    """Lists one form's responses; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: TypeformSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiters: LimiterFactory | None = None,
    ) -> None:
        token = settings.access_token.get_secret_value()
        self._redactor = Redactor.of((token,))
        self._timeout = settings.timeout_seconds
        self._deadline = settings.request_deadline_seconds
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": "syncd",
            },
            timeout=min(settings.timeout_seconds, settings.request_deadline_seconds),
            transport=transport,
        )
        self._limiter = account_limiter(settings, limiters)
        self._retrier = Retrier(settings.inline_retry(), "typeform", sleep=sleep)

    def list_responses(self, form: str, params: Params) -> list[object]:
        """``items`` of one ``GET /forms/{form}/responses``, retried while transient."""
        path = f"/forms/{quote(form, safe='')}/responses"
        return self._retrier.call(
            lambda: self._get_once(path, params),
            retry_if=lambda error: isinstance(error, SourceUnavailable),
            limiter=self._limiter,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _get_once(self, path: str, params: Params) -> list[object]:
        deadline = time.monotonic() + self._deadline
        try:
            with self._http.stream("GET", path, params=params) as response:
                content = _read_until(response, deadline, self._deadline)
        except httpx.TimeoutException:
            raise SourceUnavailable(f"Typeform did not answer within {self._timeout:g}s") from None
        except httpx.RequestError as exc:
            message = f"cannot reach Typeform: {type(exc).__name__} {exc}"
            raise SourceUnavailable(self._redactor.clip(message, MAX_DETAIL)) from None
        if response.status_code != 200:
            raise self._error(response, content)
        return _items(content)

    def _error(self, response: httpx.Response, content: bytes) -> SourceError:
        status = response.status_code
        detail = self._redactor.clip(_vendor_message(response, content), MAX_DETAIL)
        if status == 401:
            return SourceAuthError(f"Typeform refused the access token (401 {detail})")
        if status == 403:
            return SourceAuthError(f"Typeform denied access (403 {detail}); needs responses:read")
        wait = retry_after(response.headers)
        if status == 429:
            return SourceUnavailable("Typeform rate limit hit (429)", retry_after=wait)
        if status >= 500:
            return SourceUnavailable(f"Typeform failed ({status} {detail})", wait)
        if status == 404:
            return SourceRejected(f"Typeform has no such form (404 {detail}); check forms")
        return SourceRejected(f"Typeform rejected the request ({status} {detail})")


def _read_until(response: httpx.Response, deadline: float, allowed: float) -> bytes:
    """The whole body, giving up at ``deadline`` (httpx's timeout bounds each read only)."""
    chunks: list[bytes] = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"Typeform did not send its whole answer within {allowed:g}s")
    return b"".join(chunks)


def _items(content: bytes) -> list[object]:
    try:
        body: object = json.loads(content)
    except ValueError:
        raise SourceUnavailable("Typeform answered 200 with a body that is not JSON") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise SourceUnavailable("Typeform answered 200 without an items list")
    return items


def _vendor_message(response: httpx.Response, content: bytes) -> str:
    # Typeform errors are {"code": ..., "description": ..., "details": [...]}.
    try:
        body: object = json.loads(content)
    except ValueError:
        return response.reason_phrase or "no message"
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("code", "description") if body.get(key)]
        if parts:
            return ": ".join(parts)
    return response.reason_phrase or "no message"
