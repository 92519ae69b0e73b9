"""HTTP to AskNicely: the key header, positional paths, the file-host redirect, the errors.

The listing's parameters are path segments, all eight in order [demo.asknice.ly/help/apidocs/
responses]. A large result set is answered with a redirect to a temporary file on another host
(S3): it is followed once, by hand, *without* the key header, so the key never reaches the file
host (httpx keeps custom headers across origins; survey API facts §0.7). Every error message
passes through the redactor so the key can never reach a log line.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from connectors.sources.asknicely.settings import AskNicelySettings
from syncd.edge.limiter import Limiter, LimiterFactory, local_limiter, per_second
from syncd.edge.retry_after import retry_after
from syncd.edge.retrying import Retrier
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.redact import Redactor

#: How much of a vendor message an error keeps (after redaction).
MAX_DETAIL = 300
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class ListingPath:
    """The eight positional segments of ``GET responses/...``, in AskNicely's order."""

    page_size: int
    page: int
    since_time: int
    end_time: int
    sort_by: str = "responded"
    sort_direction: str = "asc"
    filter: str = "answered"

    def path(self) -> str:
        """The path below the base URL; ``json`` is the format segment."""
        return (
            f"responses/{self.sort_direction}/{self.page_size}/{self.page}/{self.since_time}"
            f"/json/{self.filter}/{self.sort_by}/{self.end_time}"
        )


class AskNicelyClient:
    """Reads listing envelopes; raises only ``SourceError`` subclasses."""

    def __init__(
        self,
        settings: AskNicelySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        self._redactor = Redactor.of((settings.api_key.get_secret_value(),))
        self._deadline = settings.request_deadline_seconds
        self._max_file = settings.max_file_bytes
        timeout = min(settings.timeout_seconds, settings.request_deadline_seconds)
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers={
                "Accept": "application/json",
                "User-Agent": "syncd",
                "X-apikey": settings.api_key.get_secret_value(),
            },
            timeout=timeout,
            transport=transport,
        )
        # The file host gets no key: a separate client without the key header.
        self._files = httpx.Client(
            headers={"User-Agent": "syncd"}, timeout=timeout, transport=transport
        )
        self._limiter: Limiter = limiters("requests", *per_second(settings.requests_per_second))
        self._retrier = Retrier(settings.inline_retry(), "asknicely", sleep=sleep)

    def envelope(self, listing: ListingPath) -> dict[str, object]:
        """One listing envelope, retried while the failure is transient."""
        return self._retrier.call(
            lambda: self._get_once(listing.path()),
            retry_if=lambda error: isinstance(error, SourceUnavailable),
            limiter=self._limiter,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()
        self._files.close()

    def _get_once(self, path: str) -> dict[str, object]:
        deadline = time.monotonic() + self._deadline
        status, headers, content = self._read(self._http, path, deadline)
        if status in _REDIRECTS:
            location = headers.get("location", "")
            if urlsplit(location).scheme not in ("http", "https"):
                raise SourceUnavailable(
                    f"AskNicely redirected to an unusable location {location[:80]!r}"
                )
            status, headers, content = self._read(self._files, location, deadline)
            if status in _REDIRECTS:
                raise SourceUnavailable("AskNicely's file host redirected again; not followed")
            if status != 200:
                # A temporary file expires: asking AskNicely again mints a fresh link.
                raise SourceUnavailable(f"AskNicely's file host answered {status}")
        if status != 200:
            raise self._error(status, headers, content)
        return self._body(content)

    def _read(
        self, client: httpx.Client, url: str, deadline: float
    ) -> tuple[int, httpx.Headers, bytes]:
        try:
            with client.stream("GET", url) as response:
                return response.status_code, response.headers, self._bounded(response, deadline)
        except httpx.TimeoutException:
            raise SourceUnavailable(
                f"AskNicely did not answer within {self._deadline:g}s"
            ) from None
        except httpx.RequestError as exc:
            message = f"cannot reach AskNicely: {type(exc).__name__} {exc}"
            raise SourceUnavailable(self._redact(message)) from None

    def _bounded(self, response: httpx.Response, deadline: float) -> bytes:
        """The whole body, within the deadline (a trickling server) and the size limit."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_file:
                raise SourceUnavailable(f"AskNicely sent more than {self._max_file} bytes")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise SourceUnavailable(
                    f"AskNicely did not send its whole answer within {self._deadline:g}s"
                )
        return b"".join(chunks)

    def _body(self, content: bytes) -> dict[str, object]:
        try:
            body: object = json.loads(content)
        except (ValueError, RecursionError):
            raise SourceUnavailable("AskNicely answered 200 with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise SourceUnavailable(f"AskNicely answered 200 with a JSON {type(body).__name__}")
        if body.get("success") is False:
            # Before 2018 a bad key was a 200 with success false (changelog transcription).
            detail = self._redact(str(body.get("msg") or "no message"))
            raise SourceRejected(f"AskNicely refused the request ({detail})")
        return body

    def _error(self, status: int, headers: httpx.Headers, content: bytes) -> SourceError:
        detail = self._redact(_vendor_message(content))
        if status in (401, 403):
            return SourceAuthError(f"AskNicely refused the API key ({status} {detail})")
        wait = retry_after(headers)
        if status == 429:
            return SourceUnavailable(f"AskNicely rate limit hit (429 {detail})", retry_after=wait)
        if status >= 500:
            return SourceUnavailable(f"AskNicely failed ({status} {detail})", wait)
        return SourceRejected(f"AskNicely rejected the request ({status} {detail})")

    def _redact(self, text: str) -> str:
        return self._redactor.clip(text, MAX_DETAIL)


def _vendor_message(content: bytes) -> str:
    # Errors are {"success": false, "msg": "..."} [asknicely.asknice.ly/help/apidocs/auth].
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):
        return "no message"
    message = body.get("msg") if isinstance(body, dict) else None
    return str(message) if message else "no message"
