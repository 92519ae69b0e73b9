"""The OAuth 2.0 token endpoint (``/services/oauth2/token``) and the sessions it hands out.

Grants, as Salesforce documents them (help: "OAuth 2.0 JWT Bearer Flow", "Client Credentials
Flow", "Username-Password Flow"): ``urn:ietf:params:oauth:grant-type:jwt-bearer`` with an
``assertion`` whose ``iss`` is the consumer key and ``sub`` the username; ``client_credentials``
with the consumer key and secret as HTTP Basic auth; ``password`` with client id and secret,
username and password (the security token appended). Success is ``{"access_token",
"instance_url", "token_type", "issued_at", "id", "signature"}``; failure a 400 with
``{"error", "error_description"}``. The fake does not check the JWT's signature (it holds no
certificate); it checks its claims and expiry.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from connectors.crm.salesforce.fake.errors import oauth_error

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the fake org accepts; any of the three flows works with them."""

    consumer_key: str = "sandbox-consumer-key"
    consumer_secret: str = "sandbox-consumer-secret"
    username: str = "syncd@sandbox.example"
    password: str = "sandbox-password"
    security_token: str = ""


class Sessions:
    """Access tokens issued and still valid; ``expire_all`` is a session timeout."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._valid: set[str] = set()
        self.logins = 0

    def valid(self, authorization: str) -> bool:
        """Whether an ``Authorization: Bearer …`` header names a live session."""
        token = authorization.removeprefix("Bearer ").strip()
        return token in self._valid

    def expire_all(self) -> None:
        """Every session ends, as after the org's session timeout."""
        self._valid.clear()

    def token(self, body: bytes, headers: dict[str, str], instance_url: str) -> tuple[int, Any]:
        """Answer a token request: (status, JSON body)."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type", "")
        problem = self._problem(grant, form, headers)
        if problem is not None:
            return oauth_error(*problem)
        token = f"00Dsandbox!{secrets.token_urlsafe(24)}"
        self._valid.add(token)
        self.logins += 1
        return 200, {
            "access_token": token,
            "instance_url": instance_url,
            "id": f"{instance_url}/id/00D000000000001AAA/005000000000001AAA",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
        }

    def _problem(
        self, grant: str, form: dict[str, str], headers: dict[str, str]
    ) -> tuple[str, str] | None:
        if grant == JWT_GRANT:
            return self._jwt(form.get("assertion", ""))
        if grant == "client_credentials":
            return self._client(headers.get("authorization", ""))
        if grant == "password":
            return self._password(form)
        return "unsupported_grant_type", "grant type not supported"

    def _jwt(self, assertion: str) -> tuple[str, str] | None:
        claims = _claims(assertion)
        if claims is None:
            return "invalid_grant", "invalid assertion"
        if claims.get("iss") != self.credentials.consumer_key:
            return "invalid_client_id", "client identifier invalid"
        if claims.get("sub") != self.credentials.username:
            return "invalid_grant", "user hasn't approved this consumer"
        if float(claims.get("exp") or 0) < time.time():
            return "invalid_grant", "expired authorization code"
        return None

    def _client(self, authorization: str) -> tuple[str, str] | None:
        basic = authorization.removeprefix("Basic ").strip()
        try:
            key, _, secret = base64.b64decode(basic).decode().partition(":")
        except ValueError:
            return "invalid_client", "invalid client credentials"
        if (key, secret) != (self.credentials.consumer_key, self.credentials.consumer_secret):
            return "invalid_client", "invalid client credentials"
        return None

    def _password(self, form: dict[str, str]) -> tuple[str, str] | None:
        known = self.credentials
        if (form.get("client_id"), form.get("client_secret")) != (
            known.consumer_key,
            known.consumer_secret,
        ):
            return "invalid_client", "invalid client credentials"
        expected = known.password + known.security_token
        if (form.get("username"), form.get("password")) != (known.username, expected):
            return "invalid_grant", "authentication failure"
        return None


def _claims(assertion: str) -> dict[str, Any] | None:
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None
