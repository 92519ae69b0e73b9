"""The generic JSON webhook: validated config, proof of origin, mapping, and the intake over it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic
import pytest
from sqlalchemy import Engine

from connectors.registry import PUSH_SOURCES, SOURCES, Catalog, connector_class
from connectors.sources.jsonhook import JsonHookSettings, JsonHookSource
from syncd.contracts import WebhookReceiver
from syncd.intake.stats import Outcome
from syncd.intake.webhook import WebhookIntake
from syncd.model import SurveyResponse
from tests.intake.support import NOW, inbox_rows, post, quarantined, reply

SECRET = "hook-secret-42"
FIELDS = {
    "response_id": "data.id",
    "score": "data.answer.score",
    "comment": "data.answer.text",
    "email": "data.person.email",
    "external_id": "data.person.customer",
    "submitted_at": "data.submitted",
    "updated_at": "data.updated",
}


def _settings(**overrides: Any) -> JsonHookSettings:
    values: dict[str, Any] = {
        "fields": FIELDS,
        "secret": SECRET,
        "signature_header": "X-Signature",
        "signature_prefix": "sha256=",
    }
    return JsonHookSettings.model_validate(values | overrides)


def _source(**overrides: Any) -> JsonHookSource:
    return JsonHookSource("hook", _settings(**overrides), clock=lambda: NOW)


def _answer(response_id: object = "r-1", score: object = 9, **changes: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": response_id,
        "answer": {"score": score, "text": "Great support"},
        "person": {"email": "Ann@Example.org", "customer": "C-7"},
        "submitted": "2026-11-30T10:00:00Z",
        "updated": None,
    }
    data.update(changes)
    return {"data": data}


def _body(document: object) -> bytes:
    return json.dumps(document).encode()


def _sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-signature": f"sha256={digest}"}


def test_registered_as_a_push_source_outside_the_listing_contract() -> None:
    assert "jsonhook" in PUSH_SOURCES and "jsonhook" not in SOURCES
    assert connector_class("source", "jsonhook") is JsonHookSource
    assert "jsonhook" in Catalog().kinds("source")
    assert isinstance(_source(), WebhookReceiver)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"fields": FIELDS}, "set secret"),
        ({"fields": FIELDS, "secret": SECRET}, "exactly one"),
        (
            {"fields": FIELDS, "secret": SECRET, "secret_header": "a", "signature_header": "b"},
            "exactly one",
        ),
        ({"fields": FIELDS, "unauthenticated": True, "secret": SECRET}, "takes no secret"),
        ({"fields": FIELDS, "unauthenticated": True, "typo": 1}, "Extra inputs"),
        ({"fields": {**FIELDS, "score": ""}, "unauthenticated": True}, "at least 1"),
        ({"fields": {**FIELDS, "email": " "}, "unauthenticated": True}, "must not be blank"),
        ({"fields": {**FIELDS, "colour": "x"}, "unauthenticated": True}, "Extra inputs"),
        (
            {
                "fields": FIELDS,
                "secret": SECRET,
                "signature_header": "s",
                "signature_algorithm": "md5",
            },
            "sha1",
        ),
    ],
)
def test_config_mistakes_are_refused(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        JsonHookSettings.model_validate(values)


def test_the_secret_never_shows_in_the_settings() -> None:
    assert SECRET not in repr(_settings()) and SECRET not in str(_settings().model_dump())


def test_hmac_signatures_in_hex_and_base64() -> None:
    body = _body(_answer())
    assert _source().verify_webhook(_sign(body), body)
    assert not _source().verify_webhook(_sign(body, "other"), body)
    assert not _source().verify_webhook({}, body)
    digest = hmac.new(SECRET.encode(), body, hashlib.sha1).digest()
    b64 = _source(signature_algorithm="sha1", signature_encoding="base64", signature_prefix="")
    assert b64.verify_webhook({"x-signature": base64.b64encode(digest).decode()}, body)
    assert not b64.verify_webhook({"x-signature": base64.b64encode(digest[:-1]).decode()}, body)


def test_a_shared_secret_header() -> None:
    source = _source(signature_header=None, secret_header="X-Hook-Token")
    assert source.verify_webhook({"x-hook-token": SECRET}, b"{}")
    assert not source.verify_webhook({"x-hook-token": SECRET + "x"}, b"{}")
    assert not source.verify_webhook({"x-hook-token": "\u00e9"}, b"{}")
    assert not source.verify_webhook({}, b"{}")


def test_unauthenticated_takes_anything_only_when_asked() -> None:
    settings = JsonHookSettings.model_validate({"fields": FIELDS, "unauthenticated": True})
    source = JsonHookSource("hook", settings)
    assert source.verify_webhook({}, b"{}")


def test_a_delivery_maps_to_an_answer() -> None:
    [answer] = _source().parse_webhook(_body(_answer())).responses

    assert answer == SurveyResponse(
        source="hook",
        response_id="r-1",
        version=int(datetime(2026, 11, 30, 10, tzinfo=UTC).timestamp() * 1000),
        score=9,
        submitted_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        updated_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        email="ann@example.org",
        external_id="C-7",
        comment="Great support",
    )


def test_a_list_of_answers_under_a_configured_path() -> None:
    document = {"batch": {"answers": [_answer("a")["data"], _answer("b", score="x")["data"]]}}
    fields = {k: v.removeprefix("data.") for k, v in FIELDS.items()}
    page = _source(items="batch.answers", fields=fields, survey="Q4 NPS").parse_webhook(
        _body(document)
    )

    assert [r.response_id for r in page.responses] == ["a"]
    assert page.responses[0].survey == "Q4 NPS"
    [rejected] = page.rejected
    assert rejected.response_id == "b" and "'x' is not a whole number" in rejected.reason


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"{not json", "not JSON"), (b'"text"', "not a list"), (b"[" * 50_000, "not JSON")],
)
def test_bodies_that_cannot_be_read_raise(body: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        _source().parse_webhook(body)


def test_fetch_yields_nothing() -> None:
    source = _source()
    assert list(source.fetch(NOW - timedelta(days=1), NOW)) == []
    assert source.check()[0].ok and "/webhooks/hook" in source.check()[0].detail


def test_deliveries_through_the_intake(engine: Engine) -> None:
    intake = WebhookIntake({"hook": _source()}, engine, max_body_bytes=2048)
    path = "/webhooks/hook"
    valid = _body(_answer())
    later = _body(_answer(score=10, updated=1796036400))  # 2026-11-30T11:00:00Z, Unix seconds
    huge = _body(_answer(note="x" * 3000))
    broken = b'{"data": {"id": "r-2", '

    assert intake(post(path, valid, _sign(valid))).status == 200
    assert reply(intake(post(path, valid, _sign(valid))))["unchanged"] == 1  # replayed
    assert intake(post(path, valid, _sign(valid, "forged"))).status == 401
    assert intake(post(path, valid, {})).status == 401
    assert intake(post(path, huge, _sign(huge))).status == 413
    assert intake(post(path, broken, _sign(broken))).status == 400
    assert intake(post(path, broken, _sign(broken))).status == 400
    assert reply(intake(post(path, later, _sign(later))))["stored"] == 1

    assert inbox_rows(engine) == [("hook", "r-1", 1796036400000, 10)]
    [(source, response_id, reason)] = quarantined(engine)
    assert (source, response_id) == ("hook", None) and "not JSON" in reason
    counts = {outcome: intake.stats.count("hook", outcome) for outcome in Outcome}
    assert counts[Outcome.UNAUTHORIZED] == 2 and counts[Outcome.TOO_LARGE] == 1
    assert counts[Outcome.MALFORMED] == 2 and counts[Outcome.ACCEPTED] == 3
