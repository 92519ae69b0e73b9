"""The webhook intake as a route: verify, bound, parse, store once; never raise."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine

from connectors.sources.delighted import DelightedSource
from syncd.clock import to_ms
from syncd.http.exchange import Request
from syncd.intake.stats import UNKNOWN, Outcome
from syncd.intake.webhook import WebhookIntake
from syncd.model import Rejected, SourcePage
from syncd.pipeline.records import keep_page
from tests.intake.support import (
    CREATED,
    NOW,
    delighted,
    inbox_rows,
    post,
    quarantined,
    reply,
    response_event,
    signed,
)

PATH = "/webhooks/delighted"


@pytest.fixture
def source() -> Iterator[DelightedSource]:
    built = delighted()
    yield built
    built.close()


@pytest.fixture
def intake(engine: Engine, source: DelightedSource) -> WebhookIntake:
    return WebhookIntake({"delighted": source}, engine, max_body_bytes=4096, clock=lambda: NOW)


def test_a_signed_delivery_is_stored(intake: WebhookIntake, engine: Engine) -> None:
    body = response_event(score=3)

    response = intake(post(PATH, body, signed(body)))

    assert response.status == 200
    assert reply(response) == {
        "received": 1,
        "stored": 1,
        "unchanged": 0,
        "quarantined": 0,
        "skipped": 0,
    }
    assert inbox_rows(engine) == [("delighted", "88214", CREATED, 3)]
    assert intake.stats.count("delighted", Outcome.ACCEPTED) == 1


def test_a_replayed_delivery_is_stored_once(intake: WebhookIntake, engine: Engine) -> None:
    body = response_event()
    first = intake(post(PATH, body, signed(body)))
    again = intake(post(PATH, body, signed(body)))

    assert (first.status, again.status) == (200, 200)
    assert reply(again)["stored"] == 0 and reply(again)["unchanged"] == 1
    assert len(inbox_rows(engine)) == 1


def test_a_later_update_replaces_the_answer(intake: WebhookIntake, engine: Engine) -> None:
    created = response_event(score=6, event_type="survey_response.created")
    updated = response_event(score=6, comment="Slow onboarding", updated=CREATED + 60)
    intake(post(PATH, created, signed(created)))

    response = intake(post(PATH, updated, signed(updated)))

    assert reply(response)["stored"] == 1
    assert inbox_rows(engine) == [("delighted", "88214", CREATED + 60, 6)]


def test_an_answer_already_polled_is_not_stored_again(
    intake: WebhookIntake, engine: Engine, source: DelightedSource
) -> None:
    body = response_event()
    polled = source.parse_webhook(body)  # the listing's shape: what a poll would have stored
    with engine.begin() as conn:
        keep_page(conn, polled, to_ms(NOW))

    response = intake(post(PATH, body, signed(body)))

    assert reply(response)["stored"] == 0
    assert len(inbox_rows(engine)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Delighted-Webhook-Signature": ""},
        {"X-Delighted-Webhook-Signature": "sha256="},
        {"X-Delighted-Webhook-Signature": "sha1=abc"},
        {"X-Delighted-Webhook-Signature": "sha256=" + "0" * 64},
        {"X-Delighted-Webhook-Signature": "sha256=\u00e9\u00e9"},
    ],
    ids=["unsigned", "blank", "no-digest", "other-algorithm", "forged", "non-ascii"],
)
def test_forged_or_unsigned_deliveries_are_refused_and_counted(
    intake: WebhookIntake, engine: Engine, headers: dict[str, str]
) -> None:
    response = intake(post(PATH, response_event(), headers))

    assert response.status == 401
    assert inbox_rows(engine) == [] and quarantined(engine) == []
    assert intake.stats.count("delighted", Outcome.UNAUTHORIZED) == 1


def test_a_body_signed_with_another_key_is_forged(intake: WebhookIntake, engine: Engine) -> None:
    body = response_event()
    assert intake(post(PATH, body, signed(body, key="someone-else"))).status == 401


def test_a_tampered_body_fails_its_signature(intake: WebhookIntake, engine: Engine) -> None:
    body = response_event(score=9)
    tampered = body.replace(b'"score": 9', b'"score": 0')
    assert intake(post(PATH, tampered, signed(body))).status == 401
    assert inbox_rows(engine) == []


class Spy:
    """A receiver that records what reached it."""

    def __init__(self, page: SourcePage | Exception | None = None) -> None:
        self.verified: list[bytes] = []
        self.parsed: list[bytes] = []
        self.page = SourcePage(()) if page is None else page

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        self.verified.append(body)
        return headers.get("x-secret") == "yes"

    def parse_webhook(self, body: bytes) -> SourcePage:
        self.parsed.append(body)
        if isinstance(self.page, Exception):
            raise self.page
        return self.page


def test_an_oversized_body_is_refused_before_it_is_verified(engine: Engine) -> None:
    spy = Spy()
    intake = WebhookIntake({"tool": spy}, engine, max_body_bytes=1024)

    response = intake(post("/webhooks/tool", b"x" * 1025, {"x-secret": "yes"}))

    assert response.status == 413
    assert spy.verified == [] and spy.parsed == []
    assert intake.stats.count("tool", Outcome.TOO_LARGE) == 1
    assert intake(post("/webhooks/tool", b"{}" + b" " * 1022, {"x-secret": "yes"})).status == 200


def test_a_forged_delivery_is_never_parsed(engine: Engine) -> None:
    spy = Spy()
    intake = WebhookIntake({"tool": spy}, engine)
    assert intake(post("/webhooks/tool", b"{}", {"x-secret": "no"})).status == 401
    assert spy.parsed == []


def test_malformed_json_is_a_400_and_quarantined_once(
    intake: WebhookIntake, engine: Engine
) -> None:
    body = b'{"event_type": "survey_response.updated", "event_data": {"id": "1", '
    first = intake(post(PATH, body, signed(body)))
    again = intake(post(PATH, body, signed(body)))

    assert (first.status, again.status) == (400, 400)
    assert "not JSON" in reply(first)["error"]
    [(source, response_id, reason)] = quarantined(engine)
    assert (source, response_id) == ("delighted", None) and "not JSON" in reason
    assert intake.stats.count("delighted", Outcome.MALFORMED) == 2


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        b'{"event_data": {}}',
        b'{"event_type": "survey_response.created", "event_data": "88214"}',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
    ],
    ids=["array", "no-event-type", "data-not-object", "binary", "deeply-nested"],
)
def test_bodies_that_are_no_delighted_event_are_400(
    intake: WebhookIntake, engine: Engine, body: bytes
) -> None:
    intake.max_body_bytes = 200_000
    response = intake(post(PATH, body, signed(body)))

    assert response.status == 400
    assert len(quarantined(engine)) == 1


def test_a_bad_answer_inside_a_good_event_is_quarantined(
    intake: WebhookIntake, engine: Engine
) -> None:
    body = response_event(score=14)
    response = intake(post(PATH, body, signed(body)))

    assert response.status == 200 and reply(response)["quarantined"] == 1
    [(_, response_id, reason)] = quarantined(engine)
    assert response_id == "88214" and "score 14 is outside 0-10" in reason


def test_other_events_are_skipped(intake: WebhookIntake, engine: Engine) -> None:
    body = b'{"event_type": "unsubscribe.created", "event_id": "1", "event_data": {}}'
    response = intake(post(PATH, body, signed(body)))
    assert response.status == 200 and reply(response)["skipped"] == 1
    assert inbox_rows(engine) == []


def test_unknown_paths_are_404_and_counted_under_one_label(engine: Engine) -> None:
    intake = WebhookIntake({"tool": Spy()}, engine)
    for path in ("/webhooks/nope", "/webhooks/", "/elsewhere/tool", "/webhooks/tool/extra"):
        assert intake(post(path, b"{}", {"x-secret": "yes"})).status == 404
    assert intake.stats.count(UNKNOWN, Outcome.UNKNOWN_SOURCE) == 4
    assert intake.stats.count("nope", Outcome.UNKNOWN_SOURCE) == 0


def test_only_post_is_taken(intake: WebhookIntake) -> None:
    response = intake(Request("GET", PATH, {}))
    assert response.status == 405 and response.headers["Allow"] == "POST"


def test_a_receiver_that_fails_never_breaks_the_route(engine: Engine) -> None:
    class Broken(Spy):
        def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
            raise RuntimeError("verifier bug")

    intake = WebhookIntake({"a": Broken(), "b": Spy(KeyError("parser bug"))}, engine)

    assert intake(post("/webhooks/a", b"{}", {"x-secret": "yes"})).status == 401
    assert intake(post("/webhooks/b", b"{}", {"x-secret": "yes"})).status == 400


def test_a_store_that_fails_answers_503_so_the_sender_retries() -> None:
    broken = create_engine("sqlite:////nonexistent-dir/none/store.db")
    intake = WebhookIntake({"tool": Spy()}, broken)

    response = intake(post("/webhooks/tool", b"{}", {"x-secret": "yes"}))

    assert response.status == 503
    assert intake.stats.count("tool", Outcome.STORE_FAILED) == 1


def test_answers_counted_per_source(intake: WebhookIntake) -> None:
    body = response_event()
    intake(post(PATH, body, signed(body)))
    intake(post(PATH, body, signed(body)))
    counts = intake.stats.answer_counts()
    assert counts["delighted", "stored"] == 1 and counts["delighted", "unchanged"] == 1


def test_times_in_the_future_are_quarantined(intake: WebhookIntake, engine: Engine) -> None:
    future = int((NOW + timedelta(days=30)).timestamp())
    body = response_event(updated=future)
    assert reply(intake(post(PATH, body, signed(body))))["quarantined"] == 1


def test_other_survey_types_are_skipped(intake: WebhookIntake, engine: Engine) -> None:
    body = response_event().replace(b'"survey_type": "nps"', b'"survey_type": "csat"')
    response = intake(post(PATH, body, signed(body)))
    assert response.status == 200 and reply(response)["skipped"] == 1
    assert inbox_rows(engine) == [] and quarantined(engine) == []


def test_a_receiver_that_sets_the_whole_body_aside_gets_a_400(engine: Engine) -> None:
    # Some receivers answer an unreadable body with one id-less rejection instead of raising.
    aside = Rejected("tool", None, "webhook body is not JSON", '"{nope"')
    intake = WebhookIntake({"tool": Spy(SourcePage((), (aside,)))}, engine)

    first = intake(post("/webhooks/tool", b"{nope", {"x-secret": "yes"}))
    again = intake(post("/webhooks/tool", b"{nope", {"x-secret": "yes"}))

    assert (first.status, again.status) == (400, 400)
    assert reply(first)["error"] == "webhook body is not JSON"
    assert len(quarantined(engine)) == 1
    assert intake.stats.count("tool", Outcome.MALFORMED) == 2
