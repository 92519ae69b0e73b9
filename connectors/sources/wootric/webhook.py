"""Wootric's Outgoing Webhooks: ``X-Wootric-Signature`` to verify, the pushed response to read.

Deliveries are signed ``sha1=<hex HMAC-SHA1(secret, raw body)>`` and carry ``{response{...},
event_name, timestamp, account_token, survey_mode}``, or ``decline`` instead of ``response``; the
response embeds the end user's ``email``, ``external_id`` and ``end_user_properties``
[docs.wootric.com/webhooks]. Only the JSON payload format is read: the URL-encoded one must be
switched to JSON in Wootric's webhook settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

HEADER = "x-wootric-signature"


def signature_valid(headers: Mapping[str, str], body: bytes, secret: str | None) -> bool:
    """Whether the delivery's signature is the HMAC-SHA1 of ``body`` under ``secret``."""
    if not secret:
        return False
    given = headers.get(HEADER, "").strip()
    expected = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(given.lower().encode("ascii", "replace"), expected.encode())


def pushed(body: bytes) -> tuple[str, object]:
    """What a delivery holds: ``("response", item)``, ``("decline", item)`` or
    ``("unreadable", what was sent)``."""
    try:
        payload: object = json.loads(body)
    except (ValueError, RecursionError):
        return "unreadable", body.decode("utf-8", "replace")[:10_000]
    if isinstance(payload, dict) and isinstance(payload.get("response"), dict):
        return "response", payload["response"]
    if isinstance(payload, dict) and "decline" in payload:
        return "decline", payload["decline"]
    return "unreadable", payload
