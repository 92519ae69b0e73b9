"""SurveyMonkey webhooks: Sm-Signature over the raw body; ids-only events left to polling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.sources.surveymonkey import SurveyMonkeySettings, SurveyMonkeySource
from connectors.sources.surveymonkey.fake import SurveyMonkeyFake
from syncd.contracts import WebhookReceiver
from syncd.sandbox.http import LoopbackServer

KEY, SECRET = "sm-client-id-0123", "sm-client-secret-0123456789"
SURVEY = "412233001"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)


def _settings(**overrides: Any) -> SurveyMonkeySettings:
    values = {
        "base_url": "https://api.surveymonkey.test/v3",
        "access_token": "sm-token-0123456789",
        "surveys": [SURVEY],
        "webhook_api_key": KEY,
        "webhook_api_secret": SECRET,
    }
    return SurveyMonkeySettings.model_validate(values | overrides)


@pytest.fixture
def source() -> Iterator[SurveyMonkeySource]:
    built = SurveyMonkeySource("sm", _settings(), clock=lambda: NOW)
    yield built
    built.close()


def _event(event: str = "response_completed", **resources: Any) -> bytes:
    found = {"survey_id": SURVEY, "respondent_id": "119034421877", "collector_id": "1"}
    payload = {
        "name": "syncd",
        "event_type": event,
        "event_id": "1000",
        "object_type": "response",
        "object_id": "119034421877",
        "event_datetime": "2024-06-01T08:03:47+00:00",
        "resources": found | resources,
    }
    return json.dumps(payload).encode()


def _signed(body: bytes, key: str = KEY, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(f"{key}&{secret}".encode(), body, hashlib.sha1).digest()
    return {"sm-apikey": key, "sm-signature": base64.b64encode(digest).decode()}


def test_a_signed_callback_verifies(source: SurveyMonkeySource) -> None:
    body = _event()
    assert isinstance(source, WebhookReceiver)
    assert source.verify_webhook(_signed(body), body)
    only_signature = {"sm-signature": _signed(body)["sm-signature"]}
    assert source.verify_webhook(only_signature, body)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"sm-signature": ""},
        _signed(_event(), secret="wrong-secret"),
        _signed(_event(), key="another-app"),
        {"sm-apikey": "another-app", "sm-signature": _signed(_event())["sm-signature"]},
        {"sm-signature": "\u00e9\u00e9"},
    ],
)
def test_forged_or_foreign_callbacks_are_refused(
    source: SurveyMonkeySource, headers: dict[str, str]
) -> None:
    assert not source.verify_webhook(headers, _event())


def test_a_tampered_body_is_refused(source: SurveyMonkeySource) -> None:
    body = _event()
    assert not source.verify_webhook(_signed(body), body.replace(b"1000", b"1001"))


def test_without_key_and_secret_nothing_verifies() -> None:
    body = _event()
    unsigned = SurveyMonkeySource("sm", _settings(webhook_api_secret=None))
    assert not unsigned.verify_webhook(_signed(body), body)
    unsigned.close()


@pytest.mark.parametrize(
    "body",
    [
        _event(),
        _event("response_updated"),
        _event("response_deleted"),
        _event("collector_created"),
        _event(survey_id="someone-else"),
    ],
)
def test_ids_only_events_are_acknowledged_and_counted(
    source: SurveyMonkeySource, body: bytes
) -> None:
    page = source.parse_webhook(body)
    assert (page.responses, page.rejected, page.skipped) == ((), (), 1)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{nope", "not JSON"),
        (b"\xff", "not JSON"),
        (b"[1, 2]", "no resources"),
        (json.dumps({"event_type": "response_completed", "resources": 5}).encode(), "no resources"),
        (_event(respondent_id=" "), "no respondent_id"),
        (_event(respondent_id=None), "no respondent_id"),
    ],
)
def test_malformed_events_are_rejected_with_a_reason(
    source: SurveyMonkeySource, body: bytes, reason: str
) -> None:
    [rejected] = source.parse_webhook(body).rejected
    assert reason in rejected.reason


def test_the_answer_an_event_announces_is_read_by_the_next_poll() -> None:
    fake = SurveyMonkeyFake("tok", clock=lambda: NOW)
    rid = fake.add_response(email="a@example.org", score=10, created_at=T0)
    headers, body = fake.webhook_delivery(rid, KEY, SECRET)
    with LoopbackServer(fake) as server:
        settings = _settings(base_url=f"{server.base_url}/v3", access_token="tok")
        source = SurveyMonkeySource("sm", settings, clock=lambda: NOW)
        assert source.verify_webhook(headers, body)
        assert source.parse_webhook(body).responses == ()
        polled = [r.response_id for page in source.fetch(T0, NOW) for r in page.responses]
        source.close()
    assert polled == [rid]
