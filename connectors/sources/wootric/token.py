"""OAuth access tokens for Wootric: client credentials, renewed before they expire.

``POST /oauth/token`` with ``grant_type=client_credentials`` answers a bearer token that expires
after ``expires_in`` seconds (7200) [docs.wootric.com/api]. A client-credentials client can always
mint a fresh one, so renewal asks again rather than keeping a refresh token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx

from syncd.edge.retry_after import retry_after
from syncd.errors import SourceAuthError, SourceUnavailable
from syncd.redact import Redactor

#: Used when a token answer names no lifetime: Wootric's documented two hours.
DEFAULT_LIFETIME_SECONDS = 7200.0


class TokenSource:
    """The current access token, fetched on first use and renewed ``margin`` before expiry."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        credentials: tuple[str, str],
        *,
        margin: float,
        redactor: Redactor,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http, self._url = http, url
        self._client_id, self._client_secret = credentials
        self._margin, self._redactor, self._monotonic = margin, redactor, monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.minted = 0

    def current(self) -> str:
        """A token that is not about to expire."""
        with self._lock:
            if self._token is None or self._monotonic() >= self._expires - self._margin:
                self._mint()
            assert self._token is not None
            return self._token

    def renew(self, rejected: str) -> str:
        """A new token after ``rejected`` was refused; another thread's renewal is reused."""
        with self._lock:
            if self._token == rejected or self._token is None:
                self._mint()
            assert self._token is not None
            return self._token

    def _mint(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = self._http.post(self._url, data=form)
        except httpx.TimeoutException:
            raise SourceUnavailable("Wootric's token endpoint did not answer in time") from None
        except httpx.RequestError as exc:
            message = f"cannot reach Wootric's token endpoint: {type(exc).__name__} {exc}"
            raise SourceUnavailable(self._redactor.clip(message, 300)) from None
        status = response.status_code
        if status in (400, 401, 403):
            detail = self._redactor.clip(_oauth_error(response.content), 200)
            raise SourceAuthError(f"Wootric refused the client credentials ({status} {detail})")
        if status != 200:
            wait = retry_after(response.headers)
            raise SourceUnavailable(f"Wootric's token endpoint failed ({status})", wait)
        token, lifetime = _token(response.content)
        self._token, self._expires = token, self._monotonic() + lifetime
        self.minted += 1


def _token(content: bytes) -> tuple[str, float]:
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise SourceUnavailable("Wootric's token endpoint answered without an access_token")
    lifetime = body.get("expires_in") if isinstance(body, dict) else None
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        lifetime = DEFAULT_LIFETIME_SECONDS
    return token.strip(), float(lifetime)


def _oauth_error(content: bytes) -> str:
    # OAuth errors: {"error": "invalid_client", "error_description": "..."} (RFC 6749 §5.2).
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):
        return "no message"
    if not isinstance(body, dict):
        return "no message"
    return str(body.get("error_description") or body.get("error") or "no message")
