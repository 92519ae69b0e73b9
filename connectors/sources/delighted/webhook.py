"""Delighted webhook deliveries: the signature over the raw body, and the response they carry.

Delighted POSTs ``{event_type, event_id, event_data}``; ``survey_response.created`` and
``survey_response.updated`` carry a survey response in the listing's shape, person embedded
[delighted.com/docs/api/webhooks], so ``parse_page`` reads it. The signature header is
``X-Delighted-Webhook-Signature: sha256=<hex>``, an HMAC-SHA256 of the raw body keyed with the
project's API key (survey API facts §1 and §10: seen in third-party verifier code, not yet in
the official page text).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection, Mapping
from datetime import datetime

from connectors.sources.delighted.parse import parse_page
from syncd.model import SourcePage

#: Header names arrive lower-cased (``WebhookReceiver.verify_webhook``).
SIGNATURE_HEADER = "x-delighted-webhook-signature"
RESPONSE_EVENTS = frozenset({"survey_response.created", "survey_response.updated"})


def signature_valid(headers: Mapping[str, str], body: bytes, api_key: str) -> bool:
    """True when the header holds ``sha256=`` and the HMAC of ``body`` (constant-time check)."""
    algorithm, _, given = headers.get(SIGNATURE_HEADER, "").strip().partition("=")
    if algorithm.lower() != "sha256" or not given:
        return False
    expected = hmac.new(api_key.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def parse_delivery(
    source: str, body: bytes, survey_types: Collection[str], now: datetime
) -> SourcePage:
    """The response of one delivery; other events are counted as skipped.

    Raises ``ValueError`` when the body is not a Delighted event at all (not JSON, not an
    object, no event type, no event data): the intake answers 400 and quarantines it.
    """
    try:
        event: object = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"body is not JSON ({type(error).__name__})") from None
    if not isinstance(event, dict):
        raise ValueError("body is not a JSON object with event_type and event_data")
    event_type = event.get("event_type")
    if not isinstance(event_type, str):
        raise ValueError("event_type is missing or not text")
    if event_type not in RESPONSE_EVENTS:
        return SourcePage((), skipped=1)  # unsubscribe.created and events to come
    data = event.get("event_data")
    if not isinstance(data, dict):
        raise ValueError(f"{event_type} without an event_data object")
    return parse_page(source, [data], survey_types, now)
