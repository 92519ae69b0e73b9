"""SurveyMonkey webhooks: the signature over the raw body, and what an ids-only event means.

Each callback carries ``Sm-Apikey`` (the app's client id) and ``Sm-Signature``: base64 of
HMAC-SHA1 over the raw body keyed with ``"<api_key>&<api_secret>"`` [SurveyMonkey/public_api_docs
includes/_webhooks.md]. The body holds ids only (``{event_type, event_id, object_type,
object_id, event_datetime, resources{survey_id, respondent_id, ...}}``), never the answer.

What parse does with it: a verified event about a configured survey is acknowledged and counted
(``skipped``), and yields no response. Polling reads it: its ``start_modified_at`` cursor covers
every response modified since the last pass, so the answer the event announces is read on the
next pass at no extra request. Fetching it here instead would spend the daily budget (500 a day
on private apps) once per event and keep the sender waiting on a second vendor call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Collection, Mapping

from syncd.model import Rejected, SourcePage

SIGNATURE, API_KEY = "sm-signature", "sm-apikey"
RESPONSE_EVENTS = frozenset(
    {
        "response_created",
        "response_completed",
        "response_updated",
        "response_deleted",
        "response_disqualified",
        "response_overquota",
    }
)


def verify(
    api_key: str | None, secret: str | None, headers: Mapping[str, str], body: bytes
) -> bool:
    """Whether ``body`` carries the signature the app's key and secret make."""
    given = headers.get(SIGNATURE, "").strip()
    if not api_key or not secret or not given:
        return False
    sender = headers.get(API_KEY)
    if sender is not None and not hmac.compare_digest(sender.encode(), api_key.encode()):
        return False
    digest = hmac.new(f"{api_key}&{secret}".encode(), body, hashlib.sha1).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


def parse(source: str, surveys: Collection[str], body: bytes) -> SourcePage:
    """An acknowledged event (counted as skipped, for polling to read), or a rejection."""
    try:
        payload: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _rejected(source, None, "webhook body is not JSON", body)
    if not isinstance(payload, dict) or not isinstance(payload.get("resources"), dict):
        return _rejected(source, None, "webhook body has no resources object", body)
    event, resources = payload.get("event_type"), payload["resources"]
    respondent = resources.get("respondent_id", payload.get("object_id"))
    if not isinstance(event, str) or event not in RESPONSE_EVENTS:
        return SourcePage((), skipped=1)  # survey and collector events: nothing to read
    if str(resources.get("survey_id")) not in surveys:
        return SourcePage((), skipped=1)  # a survey this source does not read
    if not isinstance(respondent, str | int) or not str(respondent).strip():
        return _rejected(source, None, f"{event} event names no respondent_id", body)
    return SourcePage((), skipped=1)


def _rejected(source: str, response_id: str | None, reason: str, body: bytes) -> SourcePage:
    text = body[:10_000].decode("utf-8", "replace")
    return SourcePage((), (Rejected(source, response_id, reason, json.dumps(text)),))
