"""SurveyMonkeySource against its fake: cursor, NPS from choices, cached details, errors, budget."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.sources.surveymonkey import SurveyMonkeySettings, SurveyMonkeySource
from connectors.sources.surveymonkey.fake import Chaos, Fault, SurveyMonkeyFake
from connectors.sources.surveymonkey.fake.survey import CHOICES, NPS_QUESTION, ROW_ID, details
from syncd.errors import SourceAuthError, SourceRejected, SourceUnavailable
from syncd.model import SourcePage, SurveyResponse
from syncd.sandbox.http import LoopbackServer

TOKEN = "sm_SECRET_token_0123456789"
SURVEY = "412233001"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)


class Sleeps(list[float]):
    """Records the retry waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Clock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> SurveyMonkeyFake:
    return SurveyMonkeyFake(TOKEN, surveys=(SURVEY, "2"), daily_limit=500, clock=clock)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(fake: SurveyMonkeyFake, sleeps: Sleeps, clock: Clock) -> Iterator[Any]:
    opened: list[SurveyMonkeySource] = []
    with LoopbackServer(fake) as server:

        def build(**overrides: Any) -> SurveyMonkeySource:
            values = {
                "base_url": f"{server.base_url}/v3",
                "access_token": TOKEN,
                "surveys": [SURVEY],
                "daily_request_limit": 100_000,
                "requests_per_minute": 100_000,
            }
            settings = SurveyMonkeySettings.model_validate(values | overrides)
            source = SurveyMonkeySource("sm", settings, sleep=sleeps, clock=clock)
            opened.append(source)
            return source

        yield build
        for source in opened:
            source.close()


def _pages(
    source: SurveyMonkeySource, since: datetime = T0, until: datetime = NOW
) -> list[SourcePage]:
    return list(source.fetch(since, until))


def _responses(pages: list[SourcePage]) -> list[SurveyResponse]:
    return [response for page in pages for response in page.responses]


def _paths(fake: SurveyMonkeyFake, suffix: str) -> list[dict[str, list[str]]]:
    return [query for path, query in fake.requests if path.endswith(suffix)]


def test_every_score_is_decoded_from_the_choice_position(fake: SurveyMonkeyFake, make: Any) -> None:
    for score in range(11):
        fake.add_response(email=f"s{score}@example.org", score=score, created_at=T0)

    found = _responses(_pages(make()))

    assert sorted(r.score for r in found) == list(range(11))
    assert {r.email: r.score for r in found}["s7@example.org"] == 7


def test_details_are_fetched_once_and_kept(fake: SurveyMonkeyFake, make: Any) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    source = make()

    _pages(source)
    _pages(source)

    assert len(_paths(fake, "/details")) == 1


def test_an_unknown_choice_reads_the_details_again_once_then_quarantines(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    fake.add_response(email="a@example.org", score=14, created_at=T0)
    source = make()

    [rejected] = [r for page in _pages(source) for r in page.rejected]

    assert "not a choice of the NPS question" in rejected.reason
    assert len(_paths(fake, "/details")) == 2


def test_listing_asks_by_date_modified_one_second_wider(fake: SurveyMonkeyFake, make: Any) -> None:
    _pages(make(), T0, T0 + timedelta(hours=1))

    [query] = _paths(fake, "/bulk")
    assert query["sort_by"] == ["date_modified"] and query["sort_order"] == ["ASC"]
    assert query["start_modified_at"] == ["2024-05-31T23:59:59"]
    assert query["end_modified_at"] == ["2024-06-01T01:00:01"]


def test_answers_just_outside_the_window_are_left_for_the_next(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    inside = fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.add_response(email="b@example.org", score=9, created_at=T0 + timedelta(seconds=61))

    found = _responses(_pages(make(), T0, T0 + timedelta(minutes=1)))

    assert [r.response_id for r in found] == [inside]


def test_an_edit_is_a_new_version_found_by_date_modified(fake: SurveyMonkeyFake, make: Any) -> None:
    rid = fake.add_response(email="a@example.org", score=6, created_at=T0 - timedelta(days=3))
    fake.update_response(rid, comment="Fixed now", at=T0 + timedelta(minutes=5))

    [found] = _responses(_pages(make()))

    assert (found.response_id, found.score, found.comment) == (rid, 6, "Fixed now")
    assert found.submitted_at < found.updated_at and found.version == int(
        found.updated_at.timestamp()
    )


def test_respondent_from_email_custom_variable_or_recipient(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    fake.add_response(email=None, score=9, created_at=T0, person_properties={"acct": "A-1"})
    fake.add_response(email=None, score=9, created_at=T0, overrides={"recipient_id": "9018834"})
    fake.add_response(email="X@Example.org", score=9, created_at=T0)

    found = _responses(_pages(make(external_id_variable="acct")))

    assert [(r.email, r.external_id, r.person_id) for r in found] == [
        (None, "A-1", None),
        (None, None, "9018834"),
        ("x@example.org", None, None),
    ]


def test_partial_and_unanswered_responses_are_skipped(fake: SurveyMonkeyFake, make: Any) -> None:
    fake.add_response(
        email="a@example.org", score=9, created_at=T0, overrides={"response_status": "partial"}
    )
    fake.add_response(email="b@example.org", score=None, created_at=T0)

    pages = _pages(make())

    assert sum(p.skipped for p in pages) == 2 and not _responses(pages)


def test_a_configured_question_that_is_not_nps_stops_the_listing(make: Any) -> None:
    with pytest.raises(SourceRejected, match="choices, not 11"):
        _pages(make(nps_question_id="330011222"))


def test_tied_pages_are_followed_while_links_next_says_so(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    ids = {fake.add_response(email=f"r{i}@example.org", score=5, created_at=T0) for i in range(7)}

    found = _responses(_pages(make(page_size=3)))

    assert {r.response_id for r in found} == ids
    assert [q["page"] for q in _paths(fake, "/bulk")] == [["1"], ["2"], ["3"], ["1"]]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, SourceAuthError), (403, SourceAuthError), (404, SourceRejected), (400, SourceRejected)],
)
def test_vendor_errors_map_to_core_errors_without_retry(
    fake: SurveyMonkeyFake, make: Any, sleeps: Sleeps, status: int, error: type[Exception]
) -> None:
    fake.inject(status, times=5)

    with pytest.raises(error) as raised:
        _pages(make())

    assert sleeps == [] and TOKEN not in str(raised.value)


def test_a_spent_day_waits_until_the_reset_the_headers_give(
    fake: SurveyMonkeyFake, make: Any, sleeps: Sleeps
) -> None:
    fake.daily_limit = 0

    with pytest.raises(SourceUnavailable) as raised:
        _pages(make())

    assert raised.value.retry_after == 12 * 3600  # NOW is noon: midnight GMT is 12 h away
    assert sleeps == []  # far too long to wait inline


def test_random_chaos_is_survived_by_retries(fake: SurveyMonkeyFake, make: Any) -> None:
    ids = {fake.add_response(email=f"r{i}@example.org", score=7, created_at=T0) for i in range(30)}
    fake.chaos(Chaos(server_error=0.2, rate_limited=0.1, reset=0.1, seed=5))

    found = {r.response_id for r in _responses(_pages(make(page_size=5, max_retries=10)))}

    assert found == ids


def test_a_repeated_page_ends_the_walk_without_claiming_completeness(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    fake.misbehave(Fault.REPEAT)

    pages = _pages(make(page_size=5))

    assert all(p.through is None or p.through < NOW for p in pages)


def test_an_endless_listing_yields_pages_for_the_poll_bound(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    fake.misbehave(Fault.ENDLESS)

    pages = list(itertools.islice(make(page_size=5).fetch(T0, NOW), 40))

    assert len(pages) == 40


def test_check_reads_each_survey_and_its_nps_question(make: Any) -> None:
    results = make(surveys=[SURVEY, "missing"]).check()

    assert [r.ok for r in results] == [True, False]
    assert "NPS question found" in results[0].detail and TOKEN not in results[1].detail


# -- hostile bodies ---------------------------------------------------------------------------


def _mocked(body: Callable[[httpx.Request], httpx.Response]) -> list[SourcePage]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/details"):
            return httpx.Response(200, json=details(SURVEY))
        return body(request)

    settings = SurveyMonkeySettings(
        base_url="https://api.surveymonkey.test/v3",
        access_token=TOKEN,
        surveys=(SURVEY,),
        max_retries=0,
    )
    source = SurveyMonkeySource(
        "sm", settings, transport=httpx.MockTransport(handler), clock=lambda: NOW
    )
    try:
        return list(source.fetch(T0, NOW))
    finally:
        source.close()


@pytest.mark.parametrize("content", [b"{trunc", b"[]", b'{"data": {}}', b'{"links": {}}', b"\xff"])
def test_a_broken_page_body_is_transient(content: bytes) -> None:
    with pytest.raises(SourceUnavailable):
        _mocked(lambda request: httpx.Response(200, content=content))


def _item(**fields: Any) -> dict[str, Any]:
    nps = {"id": NPS_QUESTION, "answers": [{"choice_id": CHOICES[8], "row_id": ROW_ID}]}
    item = {
        "id": "119034421877",
        "response_status": "completed",
        "date_created": "2024-06-01T08:01:12+00:00",
        "date_modified": "2024-06-01T08:03:47+00:00",
        "email_address": "marco@example.it",
        "pages": [{"id": "1", "questions": [nps]}],
    }
    return item | fields


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("text", "not an object"),
        (_item(id=" "), "blank"),
        (_item(id=None), "not a usable id"),
        (_item(id="9" * 500), "longer than"),
        (_item(date_modified="2999-01-01T00:00:00+00:00"), "in the future"),
        (_item(date_created="yesterday"), "not an ISO-8601"),
        (_item(pages="all"), "not a list"),
        (
            _item(pages=[{"questions": [{"id": NPS_QUESTION, "answers": [{"choice_id": True}]}]}]),
            "names no choice_id",
        ),
        (_item(email_address="not-an-address"), "no email_address"),
    ],
)
def test_malformed_items_are_quarantined_with_a_reason(item: object, reason: str) -> None:
    body = {"data": [item], "links": {}}

    pages = _mocked(lambda request: httpx.Response(200, content=json.dumps(body).encode()))

    [rejected] = [r for page in pages for r in page.rejected]
    assert reason in rejected.reason and len(rejected.reason) < 300


def test_huge_strings_are_cut(fake: SurveyMonkeyFake, make: Any) -> None:
    huge = "x" * 500_000
    fake.add_response(email="a@example.org", score=3, comment=huge, created_at=T0,
                      person_properties={"note": huge})  # fmt: skip

    [found] = _responses(_pages(make()))

    assert len(found.comment or "") <= 10_000 and len(found.properties["note"]) <= 1000


def test_an_inclusive_server_neither_loops_nor_loses_the_first_second() -> None:
    # Read "modified after" as inclusive: the second before the window comes back first.
    stamps = ["2024-05-31T23:59:59+00:00"] * 3 + ["2024-06-01T00:00:00+00:00"] * 3
    items = [_item(id=str(n), date_modified=at) for n, at in enumerate(stamps)]

    def inclusive(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        low, high = params["start_modified_at"], params["end_modified_at"]
        chosen = [i for i in items if low <= i["date_modified"][:19] <= high]
        page, size = int(params["page"]), int(params["per_page"])
        data = chosen[(page - 1) * size : page * size]
        more = {"next": "later"} if page * size < len(chosen) else {}
        return httpx.Response(200, json={"data": data, "links": more})

    settings = SurveyMonkeySettings(
        base_url="https://api.surveymonkey.test/v3", access_token=TOKEN, surveys=(SURVEY,),
        page_size=3, max_retries=0,
    )  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/details"):
            return httpx.Response(200, json=details(SURVEY))
        return inclusive(request)

    source = SurveyMonkeySource("sm", settings, transport=httpx.MockTransport(handler))
    pages = list(source.fetch(T0, T0 + timedelta(minutes=1)))
    source.close()

    # At least once (a second may be read twice), never lost.
    assert sorted({r.response_id for r in _responses(pages)}) == ["3", "4", "5"]
    assert pages[-1].through == T0 + timedelta(minutes=1)


def test_an_answer_sent_at_a_crawl_is_cut_off_at_the_deadline(
    fake: SurveyMonkeyFake, make: Any
) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.misbehave(Fault.TRICKLE)

    with pytest.raises(SourceUnavailable, match="within"):
        _pages(make(request_deadline_seconds=0.3, max_retries=0))
