"""Typeform webhooks: the signature over the raw body, and the ``form_response`` payload.

Each delivery carries ``Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>``
[typeform.com/developers/webhooks/secure-your-webhooks/]. The payload is
``{event_id, event_type: "form_response", form_response: {form_id, token, submitted_at, hidden,
answers, definition, ...}}`` [typeform.com/developers/webhooks/example-payload/]; its
``form_response`` has the shape of a polled item, so it parses into the same response (same id:
the token; same version: the submission second) and the inbox takes it once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from datetime import datetime

from connectors.sources.typeform.parse import Reading, parse_page
from syncd.model import Rejected, SourcePage

HEADER = "typeform-signature"
PREFIX = "sha256="


def verify(secret: str | None, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether ``body`` carries the signature ``secret`` makes; no secret, no delivery."""
    given = headers.get(HEADER, "")
    if not secret or not given.startswith(PREFIX):
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    expected = PREFIX + base64.b64encode(digest).decode()
    return hmac.compare_digest(expected.encode(), given.strip().encode("utf-8", "replace"))


def parse(reading: Reading, forms: Collection[str], body: bytes, now: datetime) -> SourcePage:
    """The response in one verified delivery; other events and other forms are skipped."""
    try:
        payload: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _rejected(reading.source, "webhook body is not JSON", body)
    if not isinstance(payload, dict) or not isinstance(payload.get("form_response"), dict):
        return _rejected(reading.source, "webhook body has no form_response object", body)
    if payload.get("event_type") != "form_response":
        return SourcePage((), skipped=1)  # form_response_partial and the like
    item = payload["form_response"]
    form = item.get("form_id")
    if not isinstance(form, str) or form not in forms:
        return SourcePage((), skipped=1)  # a form this source is not configured to read
    return parse_page(reading, form, [item], now)


def _rejected(source: str, reason: str, body: bytes) -> SourcePage:
    text = body[:10_000].decode("utf-8", "replace")
    payload = json.dumps(text, ensure_ascii=True)
    return SourcePage((), (Rejected(source, None, reason, payload),))
