"""The fake's OAuth token endpoint: client credentials in, a bearer token that expires out.

``POST /oauth/token`` with ``grant_type=client_credentials`` answers ``access_token``,
``token_type``, ``expires_in`` (7200) and ``refresh_token`` [docs.wootric.com/api]; a wrong
client is ``401 invalid_client`` (RFC 6749 §5.2, the Doorkeeper answer Wootric's API gives).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from syncd.sandbox.http import Request, Response

TOKEN_LIFETIME_SECONDS = 7200


class TokenIssuer:
    """Mints tokens for one client and says whether a bearer header carries a live one."""

    def __init__(self, client_id: str, client_secret: str, clock: Callable[[], datetime]) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> expiry (Unix seconds)
        self._serial = itertools.count(1)
        self.lifetime = TOKEN_LIFETIME_SECONDS
        self.issued = 0

    def __call__(self, request: Request) -> Response:
        """Answer one token request."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            description = "Client authentication failed due to unknown client."
            return Response(401, {"error": "invalid_client", "error_description": description})
        with self._lock:
            token = hashlib.sha256(f"{self.client_id}:{next(self._serial)}".encode()).hexdigest()
            now = self._clock().timestamp()
            self._tokens[token] = now + self.lifetime
            self.issued += 1
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.lifetime,
            "refresh_token": token[::-1],
            "scope": "public",
            "created_at": int(now),
        }
        return Response(200, body)

    def authorised(self, header: str) -> bool:
        """Whether an ``Authorization`` header carries a token that has not expired."""
        scheme, _, token = header.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        return expiry is not None and self._clock().timestamp() < expiry

    def expire_all(self) -> None:
        """Every token issued so far stops working."""
        with self._lock:
            self._tokens.clear()
