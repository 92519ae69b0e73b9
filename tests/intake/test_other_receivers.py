"""The intake serves any ``WebhookReceiver``: Typeform's deliveries through the same route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from connectors.sources.typeform import TypeformSettings, TypeformSource
from syncd.intake.stats import Outcome
from syncd.intake.webhook import WebhookIntake
from tests.intake.support import inbox_rows, post, quarantined, reply

SECRET = "whsec-typeform-intake"
FORM = "aB12cD"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
PATH = "/webhooks/typeform"


@pytest.fixture
def intake(engine: Engine) -> Iterator[WebhookIntake]:
    settings = TypeformSettings.model_validate(
        {
            "base_url": "https://api.typeform.test",
            "access_token": "tfp_token_0123456789",
            "forms": [FORM],
            "nps_ref": "nps",
            "webhook_secret": SECRET,
        }
    )
    source = TypeformSource("typeform", settings, clock=lambda: NOW)
    yield WebhookIntake({"typeform": source}, engine, clock=lambda: NOW)
    source.close()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    # sha256=<base64 HMAC-SHA256> [typeform.com/developers/webhooks/secure-your-webhooks/]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"Typeform-Signature": "sha256=" + base64.b64encode(digest).decode()}


def _delivery() -> bytes:
    answer = {"field": {"id": "X", "ref": "nps", "type": "nps"}, "type": "number", "number": 4}
    item = {
        "form_id": FORM,
        "token": "k3v9q0r2m8x1t7w5",
        "submitted_at": "2024-06-01T09:13:55Z",
        "hidden": {"email": "li.wei@example.net"},
        "definition": {"id": FORM, "fields": []},
        "answers": [answer],
    }
    payload = {"event_id": "01EV", "event_type": "form_response", "form_response": item}
    return json.dumps(payload).encode()


def test_typeform_deliveries_valid_replayed_forged_and_malformed(
    intake: WebhookIntake, engine: Engine
) -> None:
    body = _delivery()

    assert intake(post(PATH, body, _signed(body))).status == 200
    assert reply(intake(post(PATH, body, _signed(body))))["unchanged"] == 1
    assert intake(post(PATH, body, _signed(body, "forged"))).status == 401
    assert intake(post(PATH, b"{nope", _signed(b"{nope"))).status == 400
    assert intake(post(PATH, b"{nope", _signed(b"{nope"))).status == 400

    assert [row[:2] for row in inbox_rows(engine)] == [("typeform", "k3v9q0r2m8x1t7w5")]
    assert len(quarantined(engine)) == 1
    assert intake.stats.count("typeform", Outcome.UNAUTHORIZED) == 1
