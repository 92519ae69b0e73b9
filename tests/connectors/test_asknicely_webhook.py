"""AskNicely's webhook: the configured secret header, verified in constant time, and the pushed
``{count, person, question}`` read into the same response the listing gives."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from connectors.sources.asknicely import AskNicelySettings, AskNicelySource
from syncd.model import SurveyResponse
from tests.connectors.asknicely_kit import SECRET, T0, Kit, kit
from tests.connectors.loopback_kit import responses

__all__ = ["kit"]
HEADER = "x-syncd-webhook-secret"


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({HEADER: SECRET}, True),
        ({HEADER: f" {SECRET} "}, True),
        ({HEADER: SECRET[:-1]}, False),
        ({HEADER: SECRET + "x"}, False),
        ({HEADER: ""}, False),
        ({HEADER: "\u00e9" * 30}, False),
        ({"x-other": SECRET}, False),
        ({}, False),
    ],
)
def test_only_the_configured_secret_header_verifies(
    kit: Kit, headers: dict[str, str], ok: bool
) -> None:
    assert kit.source().verify_webhook(headers, b"{}") is ok


def test_without_a_configured_secret_nothing_verifies(kit: Kit) -> None:
    source = kit.source(webhook_secret=None)
    assert not source.verify_webhook({HEADER: SECRET}, b"{}")
    assert not source.verify_webhook({HEADER: ""}, b"{}")


def test_a_custom_header_name_is_used(kit: Kit) -> None:
    source = kit.source(webhook_header="X-AskNicely-Token")
    assert source.verify_webhook({"x-asknicely-token": SECRET}, b"{}")
    assert not source.verify_webhook({HEADER: SECRET}, b"{}")


def test_a_delivery_reads_as_the_listing_reads_the_same_answer(kit: Kit) -> None:
    rid = kit.fake.add_response(
        email="a@example.org",
        score=6,
        comment="meh",
        created_at=T0,
        person_properties={"customer_id": "C-7"},
    )
    [pushed] = kit.source().parse_webhook(kit.fake.webhook_body(rid)).responses
    [polled] = next(iter(kit.source().fetch(T0, T0 + timedelta(days=1)))).responses
    assert pushed == polled  # same version: the pipeline processes it once


def test_a_later_delivery_is_a_newer_version(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=6, created_at=T0)
    source = kit.source()
    [first] = source.parse_webhook(kit.fake.webhook_body(rid)).responses
    kit.fake.update_response(rid, score=6)  # same content, count 2: a re-fire
    [again] = source.parse_webhook(kit.fake.webhook_body(rid)).responses
    kit.fake.update_response(rid, score=2)
    [changed] = source.parse_webhook(kit.fake.webhook_body(rid)).responses
    assert again.version == first.version
    assert changed.version > first.version and changed.score == 2
    # The poll that follows sees the same content: nothing new.
    assert responses(list(source.fetch(T0, T0 + timedelta(days=1))))[rid] == changed.version


def test_a_changed_answer_first_seen_by_webhook_outranks_the_listing(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=6, comment="a", created_at=T0)
    polled = responses(list(kit.source().fetch(T0, T0 + timedelta(days=1))))[rid]
    kit.fake.update_response(rid, comment="b")
    [pushed] = kit.source().parse_webhook(kit.fake.webhook_body(rid)).responses
    assert pushed.version > polled


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"count": 1}',
        b'{"count": 1, "person": "x", "question": {}}',
        json.dumps({"count": "many", "person": {}, "question": {"id": " "}}).encode(),
        b"\xff\xfe",
        b"{" * 100_000,
    ],
)
def test_broken_deliveries_are_rejected_not_raised(kit: Kit, body: bytes) -> None:
    page = kit.source().parse_webhook(body)
    assert page.responses == () and len(page.rejected) == 1
    json.loads(page.rejected[0].payload)


def test_a_delivery_with_a_bad_score_names_it() -> None:
    settings = AskNicelySettings.model_validate(
        {"base_url": "https://an.test/api/v1", "api_key": "k", "webhook_secret": SECRET}
    )
    source = AskNicelySource("asknicely", settings)
    body = {
        "count": 1,
        "person": {"id": "1", "email": "a@example.org"},
        "question": {"id": "9", "score": "11", "responded": str(int(T0.timestamp()))},
    }
    page = source.parse_webhook(json.dumps(body).encode())
    source.close()
    assert "answer '11' is outside 0-10" in page.rejected[0].reason
    assert page.rejected[0].response_id == "9"
    assert not any(isinstance(r, SurveyResponse) for r in page.rejected)


@pytest.mark.parametrize(
    "overrides",
    [
        {"webhook_secret": "short"},
        {"webhook_header": "X Bad Header"},
        {"page_size": 50_001},
        {"base_url": None},
        {"api_key": ""},
        {"colour": "blue"},
    ],
)
def test_settings_refuse_unusable_values(overrides: dict[str, object]) -> None:
    values = {"base_url": "https://an.test/api/v1", "api_key": "k"} | overrides
    with pytest.raises(ValidationError):
        AskNicelySettings.model_validate(values)
