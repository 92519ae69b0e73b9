"""Typeform webhooks (signature, form_response) and hostile listings, without a server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.sources.typeform import TypeformSettings, TypeformSource
from connectors.sources.typeform.fake import TypeformFake
from syncd.errors import SourceUnavailable
from syncd.model import SourcePage
from syncd.sandbox.http import LoopbackServer

SECRET = "whsec-typeform-0123456789"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)
FORM = "aB12cD"

Handler = Callable[[httpx.Request], httpx.Response]


def _settings(**overrides: Any) -> TypeformSettings:
    values = {
        "base_url": "https://api.typeform.test",
        "access_token": "tfp_token_0123456789",
        "forms": [FORM],
        "nps_ref": "nps",
        "webhook_secret": SECRET,
        "requests_per_second": 1000,
        "max_retries": 0,
    }
    return TypeformSettings.model_validate(values | overrides)


@pytest.fixture
def source() -> Iterator[TypeformSource]:
    built = TypeformSource("typeform", _settings(), clock=lambda: NOW)
    yield built
    built.close()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"typeform-signature": "sha256=" + base64.b64encode(digest).decode()}


def _delivery(**form_response: Any) -> bytes:
    item = {
        "form_id": FORM,
        "token": "k3v9q0r2m8x1t7w5",
        "landed_at": "2024-06-01T09:12:40Z",
        "submitted_at": "2024-06-01T09:13:55Z",
        "hidden": {"email": "li.wei@example.net", "customer_id": "C-5531"},
        "definition": {"id": FORM, "fields": []},
        "answers": [
            {"field": {"id": "X", "ref": "nps", "type": "nps"}, "type": "number", "number": 10},
            {
                "field": {"id": "Q", "ref": "why", "type": "long_text"},
                "type": "text",
                "text": "Yes",
            },
        ],
    }
    payload = {"event_id": "01EV", "event_type": "form_response", "form_response": item}
    payload["form_response"] = item | form_response
    return json.dumps(payload).encode()


# -- verify ---------------------------------------------------------------------------------


def test_a_delivery_signed_with_the_secret_verifies(source: TypeformSource) -> None:
    body = _delivery()
    assert source.verify_webhook(_signed(body), body)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"typeform-signature": ""},
        {"typeform-signature": "sha256="},
        {"typeform-signature": "sha1=abc"},
        {"typeform-signature": "sha256=not-base64-\u00e9"},
    ],
)
def test_missing_or_malformed_signatures_are_refused(
    source: TypeformSource, headers: dict[str, str]
) -> None:
    assert not source.verify_webhook(headers, _delivery())


def test_a_forged_or_tampered_delivery_is_refused(source: TypeformSource) -> None:
    body = _delivery()
    assert not source.verify_webhook(_signed(body, "another-secret"), body)
    assert not source.verify_webhook(_signed(body), body + b" ")
    hexed = {
        "typeform-signature": "sha256=" + hmac.new(SECRET.encode(), body, "sha256").hexdigest()
    }
    assert not source.verify_webhook(hexed, body)  # hex is not Typeform's encoding


def test_without_a_configured_secret_nothing_verifies() -> None:
    unsigned = TypeformSource("typeform", _settings(webhook_secret=None))
    body = _delivery()
    assert not unsigned.verify_webhook(_signed(body), body)
    unsigned.close()


# -- parse ----------------------------------------------------------------------------------


def test_a_form_response_is_the_response_polling_reads(source: TypeformSource) -> None:
    fake = TypeformFake("tok", forms=(FORM,), visibility_lag_seconds=0, clock=lambda: NOW)
    token = fake.add_response(email="a@example.org", score=4, comment="Slow", created_at=T0)
    headers, body = fake.webhook_delivery(token, SECRET)
    with LoopbackServer(fake) as server:
        settings = _settings(base_url=server.base_url, access_token="tok")
        poller = TypeformSource("typeform", settings, clock=lambda: NOW)
        [polled] = [r for page in poller.fetch(T0, NOW) for r in page.responses]
        poller.close()

    assert source.verify_webhook(headers, body)
    assert source.parse_webhook(body).responses == (polled,)


def test_the_parsed_response_carries_score_comment_and_respondent(
    source: TypeformSource,
) -> None:
    [response] = source.parse_webhook(_delivery()).responses

    assert (response.response_id, response.score, response.comment) == (
        "k3v9q0r2m8x1t7w5",
        10,
        "Yes",
    )
    assert (response.email, response.external_id) == ("li.wei@example.net", "C-5531")
    assert response.submitted_at == datetime(2024, 6, 1, 9, 13, 55, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "skipped"),
    [
        (json.dumps({"event_type": "form_response_partial", "form_response": {}}).encode(), 1),
        (_delivery(form_id="someone-elses-form"), 1),
    ],
)
def test_other_events_and_forms_are_skipped(
    source: TypeformSource, body: bytes, skipped: int
) -> None:
    page = source.parse_webhook(body)
    assert (page.responses, page.rejected, page.skipped) == ((), (), skipped)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "no form_response"),
        (json.dumps({"event_type": "form_response", "form_response": []}).encode(), "no form_"),
        (_delivery(token="   "), "blank"),
        (_delivery(submitted_at="0001-01-01T00:00:00Z"), "never submitted"),
        (_delivery(submitted_at="2999-01-01T00:00:00Z"), "in the future"),
        (_delivery(submitted_at=12), "not an ISO-8601"),
        (_delivery(answers="many"), "not a list"),
        (_delivery(answers=[{"field": {"ref": "nps"}, "number": "9"}]), "not an integer"),
        (_delivery(answers=[{"field": {"ref": "nps"}, "number": 11}]), "outside 0-10"),
        (_delivery(hidden=None), "no email"),
        (_delivery(token="x" * 100_000), "longer than"),
    ],
)
def test_malformed_deliveries_are_rejected_with_a_reason(
    source: TypeformSource, body: bytes, reason: str
) -> None:
    page = source.parse_webhook(body)

    [rejected] = page.rejected
    assert reason in rejected.reason and len(rejected.reason) < 300 and page.responses == ()


def test_huge_free_text_is_cut_not_refused(source: TypeformSource) -> None:
    huge = "é" * 1_000_000
    text = {"field": {"ref": "why"}, "type": "text", "text": huge}
    nps = {"field": {"ref": "nps"}, "type": "number", "number": 3}
    [response] = source.parse_webhook(
        _delivery(answers=[nps, text], hidden={"email": "a@example.org", "x": huge})
    ).responses
    assert response.comment is not None and len(response.comment) <= 10_000
    assert len(response.properties["x"]) <= 1000


# -- hostile listings -------------------------------------------------------------------------


def _listing(handler: Handler) -> list[SourcePage]:
    source = TypeformSource(
        "typeform", _settings(), transport=httpx.MockTransport(handler), clock=lambda: NOW
    )
    try:
        return list(source.fetch(T0, NOW))
    finally:
        source.close()


@pytest.mark.parametrize(
    "content",
    [b"{truncated", b"[]", b'{"items": {"a": 1}}', b'{"total_items": 1}', b"\x00\x01"],
)
def test_a_broken_listing_body_is_transient(content: bytes) -> None:
    with pytest.raises(SourceUnavailable):
        _listing(lambda request: httpx.Response(200, content=content))


def test_items_of_the_wrong_type_are_rejected_one_by_one() -> None:
    good = json.loads(_delivery())["form_response"]
    items = [good, "text", 12, None, [], good | {"token": 5.5}, good | {"hidden": "x"}]

    pages = _listing(lambda request: httpx.Response(200, json={"items": items}))

    assert [r.response_id for p in pages for r in p.responses] == [good["token"]]
    assert sum(len(p.rejected) for p in pages) == len(items) - 1


def test_a_replayed_delivery_is_the_same_version_for_the_inbox_to_drop(
    source: TypeformSource,
) -> None:
    body = _delivery()
    first, again = source.parse_webhook(body), source.parse_webhook(body)

    assert first.responses == again.responses
    [response] = first.responses
    assert (response.key, response.version) == (again.responses[0].key, again.responses[0].version)
