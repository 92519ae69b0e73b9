"""Wootric's Outgoing Webhooks: ``X-Wootric-Signature`` over the raw body, and the pushed
response read into the same response the listing gives; hostile items rejected, not raised."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from connectors.sources.wootric import WootricSettings
from connectors.sources.wootric.fake import WootricFake
from connectors.sources.wootric.parse import ResponseReader
from syncd.model import Rejected, SurveyResponse
from tests.connectors.wootric_kit import HOOK_SECRET, NOW, T0, Kit, kit

__all__ = ["kit"]
READER = ResponseReader("wootric")
# The signed example of docs.wootric.com/webhooks, in its JSON form.
DOC_BODY = json.dumps(
    {
        "response": {
            "id": 1128,
            "email": "nps@example.com",
            "external_id": "123abc",
            "score": 7,
            "text": None,
            "end_user_id": 30,
            "end_user_properties": {"pricing_plan": "Enterprise"},
            "survey_id": 1146,
            "created_at": "2024-06-04T13:57:26.558-07:00",
            "updated_at": "2024-06-04T13:57:26.558-07:00",
            "excluded_from_calculations": False,
        },
        "event_name": "created",
        "timestamp": "2024-06-04T13:57:31.329-07:00",
        "account_token": "NPS-xxxxxxxx",
        "survey_mode": "NPS",
    }
).encode()


def _signed(body: bytes, secret: str = HOOK_SECRET) -> dict[str, str]:
    return {"x-wootric-signature": WootricFake.sign(body, secret)}


def test_a_correctly_signed_delivery_verifies(kit: Kit) -> None:
    assert kit.source().verify_webhook(_signed(DOC_BODY), DOC_BODY)


@pytest.mark.parametrize(
    "headers",
    [
        _signed(DOC_BODY, "another-secret"),
        _signed(DOC_BODY + b" "),  # signed over other bytes: a re-serialised body fails
        {"x-wootric-signature": WootricFake.sign(DOC_BODY, HOOK_SECRET).removeprefix("sha1=")},
        {"x-wootric-signature": "sha256=" + "0" * 64},
        {"x-wootric-signature": "sha1=\u00e9"},
        {"x-wootric-signature": ""},
        {},
    ],
)
def test_forged_or_unsigned_deliveries_do_not_verify(kit: Kit, headers: dict[str, str]) -> None:
    assert not kit.source().verify_webhook(headers, DOC_BODY)


def test_an_uppercase_hex_signature_verifies(kit: Kit) -> None:
    headers = {"x-wootric-signature": WootricFake.sign(DOC_BODY, HOOK_SECRET).upper()}
    assert kit.source().verify_webhook(headers, DOC_BODY)


def test_without_a_configured_secret_nothing_verifies(kit: Kit) -> None:
    assert not kit.source(webhook_secret=None).verify_webhook(_signed(DOC_BODY), DOC_BODY)


def test_the_documented_payload_reads_with_email_external_id_and_utc_times(kit: Kit) -> None:
    [response] = kit.source().parse_webhook(DOC_BODY).responses
    assert (response.response_id, response.score, response.comment) == ("1128", 7, None)
    assert (response.email, response.external_id, response.person_id) == (
        "nps@example.com",
        "123abc",
        "30",
    )
    assert response.submitted_at == datetime(2024, 6, 4, 20, 57, 26, 558000, tzinfo=UTC)
    assert response.properties["pricing_plan"] == "Enterprise"


def test_a_pushed_response_has_the_version_the_listing_gives(kit: Kit) -> None:
    rid = kit.fake.add_response(
        email="a@example.org", score=8, created_at=T0, person_properties={"customer_id": "C-9"}
    )
    [pushed] = kit.source().parse_webhook(kit.fake.webhook_body(rid)).responses
    [polled] = [r for p in kit.source().fetch(T0, T0 + timedelta(days=1)) for r in p.responses]
    assert (pushed.response_id, pushed.version, pushed.score) == (
        polled.response_id,
        polled.version,
        8,
    )
    assert (pushed.email, pushed.external_id) == (polled.email, polled.external_id)


def test_a_decline_is_skipped_and_counted(kit: Kit) -> None:
    body = json.dumps({"decline": {"id": 19, "end_user_id": 31}, "event_name": "created"}).encode()
    page = kit.source().parse_webhook(body)
    assert (page.responses, page.rejected, page.skipped) == ((), (), 1)


@pytest.mark.parametrize(
    "body",
    [
        b"response[id]=1128&response[score]=7&event_name=created",  # the URL-encoded format
        b"{broken",
        b"[]",
        b'{"response": "1128"}',
        b"\xff" * 10,
    ],
)
def test_unreadable_deliveries_are_rejected(kit: Kit, body: bytes) -> None:
    page = kit.source().parse_webhook(body)
    assert page.responses == () and len(page.rejected) == 1
    json.loads(page.rejected[0].payload)


def _item(**fields: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": 5520113,
        "end_user_id": 2290447,
        "score": 3,
        "text": "Billing page keeps timing out.",
        "created_at": "2024-06-01 06:40:02 -0700",
        "updated_at": "2024-06-01 06:41:30 -0700",
        "end_user": {"email": "a@example.org", "external_id": "C-1"},
    }
    return item | fields


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"score": 11}, "score 11 is outside 0-10"),
        ({"score": "ten"}, "score 'ten' is not a whole number"),
        ({"score": None}, "score is missing"),
        ({"score": False}, "score False is not a number"),
        ({"id": ""}, "id '' is blank"),
        ({"id": {"n": 1}}, "is not a usable id"),
        ({"id": "9" * 500}, "longer than 200"),
        ({"created_at": "2024-06-01 06:40:02"}, "has no UTC offset"),
        ({"created_at": "yesterday"}, "is not a timestamp"),
        ({"created_at": "2024-06-01T06:40:02"}, "has no UTC offset"),
        ({"created_at": "2031-01-01 00:00:00 +0000"}, "is in the future"),
        ({"created_at": "1999-12-31 23:00:00 +0000"}, "is before 2000"),
        ({"created_at": "x" * 100_000}, "is not a timestamp"),
        ({"updated_at": [1]}, "updated_at [1] is not a timestamp"),
        ({"end_user": {}, "end_user_id": None}, "no end_user_id"),
    ],
)
def test_broken_fields_are_rejected_with_a_reason(fields: dict[str, object], reason: str) -> None:
    outcome = READER.read(_item(**fields), NOW)
    assert isinstance(outcome, Rejected), outcome
    assert reason in outcome.reason


def test_rest_times_and_unix_seconds_are_read_and_the_version_is_the_later() -> None:
    outcome = READER.read(_item(), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert outcome.submitted_at == datetime(2024, 6, 1, 13, 40, 2, tzinfo=UTC)
    assert outcome.version == int(datetime(2024, 6, 1, 13, 41, 30, tzinfo=UTC).timestamp())
    unix = READER.read(_item(created_at=1717249202, updated_at=None), NOW)
    assert isinstance(unix, SurveyResponse) and unix.version == 1717249202


def test_huge_text_and_odd_properties_never_cost_the_answer() -> None:
    user = {"email": "A@Example.org ", "properties": {"plan": ["x"], "tier": 3, "k" * 500: "v"}}
    outcome = READER.read(_item(text="\ud800" + "y" * 200_000, end_user=user), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert outcome.email == "a@example.org" and outcome.comment is not None
    assert outcome.comment.startswith("\ufffd")
    assert "plan" not in outcome.properties and outcome.properties["tier"] == "3"


@pytest.mark.parametrize(
    "overrides",
    [{"page_size": 51}, {"client_secret": ""}, {"webhook_secret": ""}, {"lookback_days": -1}],
)
def test_settings_refuse_unusable_values(overrides: dict[str, object]) -> None:
    values = {"client_id": "id", "client_secret": "secret"} | overrides
    with pytest.raises(ValidationError):
        WootricSettings.model_validate(values)
