"""The AskNicely fake itself: documented paths, envelopes, errors, the file host, fault modes."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from connectors.sources.asknicely.fake import AskNicelyFake, Chaos
from syncd.sandbox.http import Request, Response

KEY = "sandbox-key"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1_717_200_000


def _get(fake: AskNicelyFake, path: str, key: str | None = KEY, host: str = "h:1") -> Response:
    headers = {"host": host} | ({} if key is None else {"x-apikey": key})
    return fake(Request("GET", path, {}, headers, b""))


def _listing(
    fake: AskNicelyFake, size: int, page: int, since: int, end: int, direction: str = "asc"
) -> Response:
    path = f"/api/v1/responses/{direction}/{size}/{page}/{since}/json/answered/responded/{end}"
    return _get(fake, path)


def test_envelope_numbers_are_strings_and_pages_follow_the_window() -> None:
    fake = AskNicelyFake(KEY)
    rng = random.Random(4)
    times = [T0_UNIX + rng.randrange(0, 5000) for _ in range(120)]
    for i, at in enumerate(times):
        fake.add_response(
            email=f"r{i}@example.org", score=i % 11, created_at=datetime.fromtimestamp(at, UTC)
        )
    since, end = T0_UNIX + 1000, T0_UNIX + 4000
    expected = sorted(
        (int(r["responded"]), int(r["response_id"]))
        for r in fake.responses()
        if since <= int(r["responded"]) <= end
    )
    for direction in ("asc", "desc"):
        rows: list[dict[str, str]] = []
        for page in range(1, 20):
            body = _listing(fake, 7, page, since, end, direction).body
            assert isinstance(body["totalpages"], str) and isinstance(body["total"], str)
            rows += body["data"]
        got = [(int(r["responded"]), int(r["response_id"])) for r in rows]
        assert got == (expected if direction == "asc" else expected[::-1])
        assert all(isinstance(r["answer"], str) for r in rows)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/responses/asc/50001/1/0/json/answered/responded/1", 400),
        ("/api/v1/responses/asc/0/1/0/json/answered/responded/1", 400),
        ("/api/v1/responses/up/10/1/0/json/answered/responded/1", 400),
        ("/api/v1/responses/asc/ten/1/0/json/answered/responded/1", 400),
        ("/api/v1/responses/asc/10/1/0/json/answered/created/1", 400),
        ("/api/v1/contacts", 404),
    ],
)
def test_refused_requests_answer_the_documented_error_shape(path: str, status: int) -> None:
    answer = _get(AskNicelyFake(KEY), path)
    assert answer.status == status
    assert answer.body["success"] is False and answer.body["msg"]


def test_a_wrong_or_missing_key_is_401_and_the_query_form_is_accepted() -> None:
    fake = AskNicelyFake(KEY)
    path = "/api/v1/responses/asc/10/1/0/json/answered/responded/1"
    assert _get(fake, path, key="nope").status == 401
    assert _get(fake, path, key=None).status == 401
    query = fake(Request("GET", path, {"X-apikey": [KEY]}, {}, b""))
    assert query.status == 200


def test_large_pages_redirect_to_a_file_served_once_and_never_with_the_key() -> None:
    fake = AskNicelyFake(KEY)
    for i in range(5):
        fake.add_response(email=f"r{i}@example.org", score=9, created_at=T0)
    fake.redirect_above = 3
    answer = _listing(fake, 10, 1, 0, T0_UNIX + 10)
    assert answer.status == 302
    location = answer.headers["Location"]
    assert location.startswith("http://h:1/asknicely-exports/")
    path = location.removeprefix("http://h:1").split("?")[0]
    assert _get(fake, path).status == 400  # the key has no business at the file host
    served = _get(fake, path, key=None)
    assert served.status == 200 and len(served.body["data"]) == 5
    assert _get(fake, path, key=None).status == 403  # temporary: gone once read


def test_updates_change_content_and_count_but_not_times() -> None:
    fake = AskNicelyFake(KEY)
    rid = fake.add_response(email="a@example.org", score=4, created_at=T0)
    before = fake.responses()[0]
    fake.update_response(rid, comment="later", score=6, at=T0 + timedelta(days=1))
    after = fake.responses()[0]
    assert (after["comment"], after["answer"]) == ("later", "6")
    assert after["responded"] == before["responded"]
    assert json.loads(fake.webhook_body(rid))["count"] == 2


@pytest.mark.parametrize(
    ("chaos", "check"),
    [
        (Chaos(server_error=1.0), lambda r: r.status in (500, 502, 503)),
        (
            Chaos(rate_limited=1.0, without_retry_after=0.0),
            lambda r: r.headers == {"Retry-After": "1"},
        ),
        (
            Chaos(rate_limited=1.0, without_retry_after=1.0),
            lambda r: r.status == 429 and not r.headers,
        ),
        (Chaos(reset=1.0), lambda r: r.drop),
        (Chaos(slow=1.0, slow_seconds=0.5), lambda r: r.status == 200 and r.trickle_seconds == 0.5),
    ],
)
def test_chaos_modes(chaos: Chaos, check: object) -> None:
    fake = AskNicelyFake(KEY)
    fake.chaos(chaos)
    answer = _listing(fake, 10, 1, 0, 1)
    assert callable(check) and check(answer)
    fake.chaos(None)
    assert _listing(fake, 10, 1, 0, 1).status == 200


def test_a_partial_chaos_share_is_repeatable() -> None:
    def statuses() -> list[int]:
        fake = AskNicelyFake(KEY)
        fake.chaos(Chaos(server_error=0.3, seed=11))
        return [_listing(fake, 10, 1, 0, 1).status for _ in range(40)]

    first = statuses()
    assert first == statuses()
    assert 0 < sum(s != 200 for s in first) < 40


def test_the_documented_429_body() -> None:
    fake = AskNicelyFake(KEY)
    fake.inject(429, retry_after=2)
    answer = _listing(fake, 10, 1, 0, 1)
    assert answer.status == 429 and answer.headers["Retry-After"] == "2"
    assert answer.body["type"] == "req-10s" and answer.body["limit"] == 200
