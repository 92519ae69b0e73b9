"""The ``requests`` session simple-salesforce sends through, and the client built on it.

simple-salesforce writes every URL as ``https://<instance>/…`` and its login URL as
``https://<domain>.salesforce.com/…``. For an ``http://`` base URL (the loopback sandbox) the
session sends every request to that base URL's host instead. It also keeps the headers of the
latest answer per thread, so a failure's ``Retry-After`` and every ``Sforce-Limit-Info`` are
seen (the library's exceptions carry the body only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from simple_salesforce.api import Salesforce

from connectors.crm.salesforce.settings import SalesforceSettings

HeadersSeen = Callable[[int, Any], None]


class EdgeSession(requests.Session):
    """Rewrites hosts for a plain-http base URL and reports each answer's status and headers."""

    def __init__(self, base_url: str, timeout: float, seen: HeadersSeen) -> None:
        super().__init__()
        parts = urlsplit(base_url)
        self._target = (parts.scheme, parts.netloc) if parts.scheme == "http" else None
        self._timeout = timeout
        self._seen = seen
        self.last = threading.local()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send with the configured timeout, to the sandbox host if there is one."""
        text = url.decode() if isinstance(url, bytes) else url
        if self._target is not None:
            parts = urlsplit(text)
            text = urlunsplit((*self._target, parts.path, parts.query, parts.fragment))
        kwargs.setdefault("timeout", self._timeout)
        verb = method.decode() if isinstance(method, bytes) else method
        response = super().request(verb, text, *args, **kwargs)
        self.last.headers = response.headers
        self._seen(response.status_code, response.headers)
        return response


def connect(settings: SalesforceSettings, session: EdgeSession) -> Salesforce:
    """Sign in with the configured flow; simple-salesforce signs in again on its own after an
    ``INVALID_SESSION_ID`` (it keeps the credentials), retrying the same request."""
    common: dict[str, Any] = {
        "version": settings.api_version,
        "session": session,
        "domain": settings.domain(),
        "consumer_key": settings.consumer_key,
    }
    flow = settings.flow()
    if flow == "jwt":
        key = settings.private_key.get_secret_value() if settings.private_key else None
        return Salesforce(
            username=settings.username,
            privatekey=key,
            privatekey_file=None if key else settings.private_key_file,
            **common,
        )
    secret = settings.consumer_secret.get_secret_value() if settings.consumer_secret else None
    if flow == "client_credentials":
        return Salesforce(consumer_secret=secret, **common)
    password = settings.password.get_secret_value() if settings.password else ""
    token = settings.security_token.get_secret_value() if settings.security_token else ""
    # The OAuth username-password flow takes the security token appended to the password.
    return Salesforce(
        username=settings.username, password=password + token, consumer_secret=secret, **common
    )
