"""The Wootric fake itself: OAuth with expiring tokens, the documented listing limits and
filters, end users, the webhook payload, and fault modes."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from connectors.sources.wootric.fake import Chaos, WootricFake
from syncd.sandbox.http import Request, Response

T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1_717_200_000


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(days=30)

    def __call__(self) -> datetime:
        return self.now


def _token(fake: WootricFake, **form: str) -> Response:
    values = {"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"}
    body = urlencode(values | form).encode()
    return fake(Request("POST", "/oauth/token", {}, {}, body))


def _get(fake: WootricFake, path: str, token: str, **query: object) -> Response:
    params = {k: [str(v)] for k, v in query.items()}
    return fake(Request("GET", path, params, {"authorization": f"Bearer {token}"}, b""))


def _fresh() -> tuple[WootricFake, Clock, str]:
    clock = Clock()
    fake = WootricFake("id", "secret", clock=clock)
    token = _token(fake).body["access_token"]
    return fake, clock, token


def test_tokens_expire_after_their_lifetime_or_on_demand() -> None:
    fake, clock, token = _fresh()
    assert _token(fake).body["expires_in"] == 7200
    assert _get(fake, "/v1/responses", token).status == 200
    clock.now += timedelta(seconds=7199)
    assert _get(fake, "/v1/responses", token).status == 200
    clock.now += timedelta(seconds=1)
    expired = _get(fake, "/v1/responses", token)
    assert expired.status == 401 and expired.body == {
        "error": "The access token is invalid",
        "status": 401,
    }
    fresh = _token(fake).body["access_token"]
    fake.expire_tokens()
    assert _get(fake, "/v1/responses", fresh).status == 401


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": ""}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_refused_token_requests(form: dict[str, str], status: int, error: str) -> None:
    answer = _token(WootricFake("id", "secret"), **form)
    assert (answer.status, answer.body["error"]) == (status, error)


def test_exclusive_filters_pages_of_at_most_50_and_no_page_above_30() -> None:
    fake, _, token = _fresh()
    rng = random.Random(2)
    for i in range(200):
        at = T0 + timedelta(seconds=rng.randrange(0, 300))
        fake.add_response(email=f"r{i}@example.org", score=i % 11, created_at=at)
    low, high = T0_UNIX + 50, T0_UNIX + 250
    rows = []
    for page in range(1, 10):
        answer = _get(
            fake,
            "/v1/responses",
            token,
            **{"created[gt]": low, "created[lt]": high},
            per_page=500,
            page=page,
        )
        assert len(answer.body) <= 50  # more is cut silently: a short page is not the end
        rows += answer.body
    got = [r["id"] for r in rows]
    seconds = {
        r["id"]: int(datetime.strptime(r["created_at"], "%Y-%m-%d %H:%M:%S %z").timestamp())
        for r in rows
    }
    expected = [r["id"] for r in fake.responses() if low < _second(r["created_at"]) < high]
    assert sorted(got) == sorted(expected)
    assert list(seconds.values()) == sorted(seconds.values())
    assert _get(fake, "/v1/responses", token, page=31).status == 400


def _second(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").timestamp())


def test_the_updated_filter_and_sort_key() -> None:
    fake, _, token = _fresh()
    old = fake.add_response(email="a@example.org", score=3, created_at=T0)
    fake.add_response(email="b@example.org", score=3, created_at=T0)
    fake.update_response(old, comment="later", at=T0 + timedelta(days=2))
    query = {"updated[gt]": T0_UNIX + 86_400, "sort_key": "updated_at"}
    [row] = _get(fake, "/v1/responses", token, **query).body
    assert str(row["id"]) == old and row["text"] == "later"
    assert row["updated_at"] == "2024-06-02 17:00:00 -0700"


def test_end_users_carry_email_external_id_and_properties() -> None:
    fake, _, token = _fresh()
    fake.add_response(
        email="a@example.org", score=9, created_at=T0, person_properties={"customer_id": "C-1"}
    )
    [row] = _get(fake, "/v1/responses", token).body
    assert "end_user" not in row
    user = _get(fake, f"/v1/end_users/{row['end_user_id']}", token).body
    assert (user["email"], user["external_id"], user["properties"]) == (
        "a@example.org",
        "C-1",
        {"customer_id": "C-1"},
    )
    assert _get(fake, "/v1/end_users/404404", token).status == 404
    fake.embed_end_users = True
    [embedded] = _get(fake, "/v1/responses", token).body
    assert embedded["end_user"]["email"] == "a@example.org"


def test_the_webhook_payload_follows_the_documented_shape() -> None:
    fake, _, _ = _fresh()
    rid = fake.add_response(
        email="a@example.org", score=7, created_at=T0, person_properties={"customer_id": "C-1"}
    )
    payload = json.loads(fake.webhook_body(rid))
    assert set(payload) == {"response", "event_name", "timestamp", "account_token", "survey_mode"}
    response = payload["response"]
    assert (response["email"], response["external_id"]) == ("a@example.org", "C-1")
    assert response["created_at"] == "2024-05-31T17:00:00.000-07:00"
    assert WootricFake.sign(b"body", "s").startswith("sha1=")


@pytest.mark.parametrize(
    ("chaos", "status"),
    [
        (Chaos(server_error=1.0), {500, 502, 503}),
        (Chaos(rate_limited=1.0), {429}),
    ],
)
def test_chaos_fails_api_requests_but_not_token_requests(chaos: Chaos, status: set[int]) -> None:
    fake, _, token = _fresh()
    fake.chaos(chaos)
    assert _get(fake, "/v1/responses", token).status in status
    assert _token(fake).status == 200


def test_a_429_carries_the_rate_limit_headers() -> None:
    fake, _, token = _fresh()
    fake.inject(429, retry_after=None)
    answer = _get(fake, "/v1/responses", token)
    assert answer.status == 429 and "Retry-After" not in answer.headers
    assert answer.headers["X-Rate-Limit-Remaining"] == "0"
