"""Proof of origin of a generic JSON delivery: a shared secret header, or an HMAC of the body."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from connectors.sources.jsonhook.settings import JsonHookSettings


def delivery_verified(settings: JsonHookSettings, headers: Mapping[str, str], body: bytes) -> bool:
    """True when the configured proof holds; compared in constant time."""
    if settings.unauthenticated:
        return True
    if settings.secret is None:
        return False
    secret = settings.secret.get_secret_value().encode()
    if settings.secret_header is not None:
        given = headers.get(settings.secret_header.lower(), "")
        return hmac.compare_digest(given.strip().encode(), secret)
    if settings.signature_header is None:
        return False
    given = headers.get(settings.signature_header.lower(), "").strip()
    return hmac.compare_digest(given.encode(), _signature(settings, secret, body).encode())


def _signature(settings: JsonHookSettings, secret: bytes, body: bytes) -> str:
    digest = hmac.new(secret, body, getattr(hashlib, settings.signature_algorithm)).digest()
    encoded = digest.hex() if settings.signature_encoding == "hex" else base64.b64encode(digest)
    text = encoded if isinstance(encoded, str) else encoded.decode()
    return f"{settings.signature_prefix}{text}"
