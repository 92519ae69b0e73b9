"""HTTP to Wootric: bearer tokens, one renewal on a 401, transient retries, the error mapping.

A token can expire while a listing is being paged (its lifetime is two hours; a long backfill or
a clock that disagrees outlives it). A 401 renews the token once and asks for the *same* page
again, so the page in flight is not lost; a second 401 is a credentials problem. Every error
message passes through the redactor, so neither the secret nor a token reaches a log line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

import httpx

from connectors.sources.wootric.settings import WootricSettings
from connectors.sources.wootric.token import TokenSource
from syncd.edge.limiter import Limiter, LimiterFactory, local_limiter, per_second
from syncd.edge.retry_after import header, retry_after
from syncd.edge.retrying import Retrier
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.redact import Redactor

MAX_DETAIL = 300
Params = Mapping[str, str | int]


class WootricClient:
    """GETs JSON from the Wootric API; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: WootricSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        secret = settings.client_secret.get_secret_value()
        self._redactor = Redactor.of((secret,))
        self._deadline = settings.request_deadline_seconds
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers={"Accept": "application/json", "User-Agent": "syncd"},
            timeout=min(settings.timeout_seconds, settings.request_deadline_seconds),
            transport=transport,
        )
        self.tokens = TokenSource(
            self._http,
            settings.resolved_token_url(),
            (settings.client_id.get_secret_value(), secret),
            margin=settings.token_margin_seconds,
            redactor=self._redactor,
            monotonic=monotonic,
        )
        self._limiter: Limiter = limiters("requests", *per_second(settings.requests_per_second))
        self._retrier = Retrier(settings.inline_retry(), "wootric", sleep=sleep)

    def get(self, path: str, params: Params | None = None) -> object:
        """The JSON of ``GET path``, retried while the failure is transient."""
        return self._retrier.call(
            lambda: self._get_renewing(path, params or {}),
            retry_if=lambda error: isinstance(error, SourceUnavailable),
            limiter=self._limiter,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def _get_renewing(self, path: str, params: Params) -> object:
        token = self.tokens.current()
        status, headers, content = self._get_once(path, params, token)
        if status == 401:  # expired or revoked: one fresh token, the same request again
            status, headers, content = self._get_once(path, params, self.tokens.renew(token))
        if status != 200:
            raise self._error(status, headers, content)
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            raise SourceUnavailable("Wootric answered 200 with a body that is not JSON") from None

    def _get_once(self, path: str, params: Params, token: str) -> tuple[int, httpx.Headers, bytes]:
        redactor = Redactor.of((*self._redactor.secrets, token))
        deadline = time.monotonic() + self._deadline
        auth = {"Authorization": f"Bearer {token}"}
        try:
            with self._http.stream("GET", path, params=params, headers=auth) as response:
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise SourceUnavailable(
                            f"Wootric did not send its whole answer within {self._deadline:g}s"
                        )
                return response.status_code, response.headers, b"".join(chunks)
        except httpx.TimeoutException:
            raise SourceUnavailable(f"Wootric did not answer within {self._deadline:g}s") from None
        except httpx.RequestError as exc:
            message = f"cannot reach Wootric: {type(exc).__name__} {exc}"
            raise SourceUnavailable(redactor.clip(message, MAX_DETAIL)) from None

    def _error(self, status: int, headers: httpx.Headers, content: bytes) -> SourceError:
        detail = self._redactor.clip(_vendor_message(content), MAX_DETAIL)
        if status in (401, 403):
            return SourceAuthError(f"Wootric refused the access token ({status} {detail})")
        if status == 429:
            return SourceUnavailable(f"Wootric rate limit hit (429 {detail})", _wait(headers))
        if status >= 500:
            return SourceUnavailable(f"Wootric failed ({status} {detail})", retry_after(headers))
        return SourceRejected(f"Wootric rejected the request ({status} {detail})")


def _wait(headers: httpx.Headers) -> float | None:
    """``Retry-After``, else the seconds until ``X-Rate-Limit-Reset`` (a Unix time, per a
    third-party description of the API: api-evangelist/wootric rate-limits)."""
    asked = retry_after(headers)
    if asked is not None:
        return asked
    reset = header(headers, "x-rate-limit-reset")
    if reset is None or not reset.strip().isdigit() or len(reset.strip()) > 12:
        return None
    return float(min(max(0, int(reset.strip()) - int(time.time())), 3600))


def _vendor_message(content: bytes) -> str:
    # Errors: {"error": "...", "status": 401} [api-evangelist/wootric openapi, third-party].
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):
        return "no message"
    message = body.get("error") if isinstance(body, dict) else None
    return str(message) if message else "no message"
