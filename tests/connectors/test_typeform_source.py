"""TypeformSource against its fake on loopback: cursors, lag, respondents, versions, limits."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sources.typeform import TypeformSettings, TypeformSource
from connectors.sources.typeform.client import account_limiter
from connectors.sources.typeform.fake import Chaos, Fault, TypeformFake
from syncd.contracts import DelayedSource, WebhookReceiver
from syncd.errors import SourceAuthError, SourceRejected, SourceUnavailable
from syncd.model import SourcePage, SurveyResponse
from syncd.pipeline.poll import lag
from syncd.sandbox.http import LoopbackServer
from syncd.settings import SourceSettings

TOKEN = "tfp_SECRET_token_0123456789"
FORM = "aB12cD"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)


class Sleeps(list[float]):
    """Records the retry waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake() -> TypeformFake:
    return TypeformFake(TOKEN, forms=(FORM, "other"), clock=lambda: NOW)


@pytest.fixture
def server(fake: TypeformFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(server: LoopbackServer, sleeps: Sleeps) -> Iterator[Any]:
    opened: list[TypeformSource] = []

    def build(**overrides: Any) -> TypeformSource:
        values = {
            "base_url": server.base_url,
            "access_token": TOKEN,
            "forms": [FORM],
            "nps_ref": "nps",
            "requests_per_second": 1000,
        }
        settings = TypeformSettings.model_validate(values | overrides)
        source = TypeformSource("typeform", settings, sleep=sleeps, clock=lambda: NOW)
        opened.append(source)
        return source

    yield build
    for source in opened:
        source.close()


def _pages(source: TypeformSource, since: datetime = T0, until: datetime = NOW) -> list[SourcePage]:
    return list(source.fetch(since, until))


def _responses(pages: list[SourcePage]) -> list[SurveyResponse]:
    return [response for page in pages for response in page.responses]


def test_declares_the_visibility_lag_that_polling_keeps_at_least(make: Any) -> None:
    source: TypeformSource = make()
    assert isinstance(make(), DelayedSource) and isinstance(make(), WebhookReceiver)
    assert source.visibility_lag == timedelta(minutes=30)
    configured = SourceSettings(kind="typeform", lag_seconds=60)
    assert lag(source, configured) == timedelta(minutes=30)
    longer = SourceSettings(kind="typeform", lag_seconds=7200)
    assert lag(source, longer) == timedelta(hours=2)


def test_the_fake_hides_answers_younger_than_its_lag(fake: TypeformFake, make: Any) -> None:
    old = fake.add_response(email="a@example.org", score=9, created_at=NOW - timedelta(hours=1))
    fake.add_response(email="b@example.org", score=3, created_at=NOW - timedelta(minutes=10))

    found = _responses(_pages(make(), T0, NOW))

    assert [r.response_id for r in found] == [old]


def test_a_whole_page_in_one_second_is_walked_by_exclusive_tokens(
    fake: TypeformFake, make: Any
) -> None:
    ids = [fake.add_response(email=f"r{i}@example.org", score=5, created_at=T0) for i in range(7)]

    pages = _pages(make(page_size=3), T0, T0 + timedelta(hours=1))

    pairs = {(r.response_id, r.version) for r in _responses(pages)}
    assert {rid for rid, _ in pairs} == set(ids) and len(pairs) == len(ids)
    queries = [query for _, query in fake.requests]
    assert any("after" in q for q in queries)
    assert all(not ("after" in q and "sort" in q) for q in queries)  # Typeform refuses both
    assert all(q["since"][0].endswith("00:00:00") for q in queries[:1])


def test_keyset_pages_rewind_to_the_last_second_inclusive(fake: TypeformFake, make: Any) -> None:
    for i in range(6):
        fake.add_response(email=f"r{i}@example.org", score=5, created_at=T0 + timedelta(seconds=i))

    _pages(make(page_size=4), T0, T0 + timedelta(hours=1))

    sinces = [query["since"][0] for _, query in fake.requests]
    assert sinces == ["2024-06-01T00:00:00", "2024-06-01T00:00:03"]


def test_never_submitted_placeholder_is_quarantined_with_a_reason(
    fake: TypeformFake, make: Any
) -> None:
    fake.add_response(
        email="z@example.org",
        score=5,
        created_at=T0,
        overrides={"submitted_at": "0001-01-01T00:00:00Z"},
    )

    pages = _pages(make())

    [rejected] = [r for page in pages for r in page.rejected]
    assert "never submitted" in rejected.reason and rejected.response_id


def test_respondent_from_configured_hidden_fields_or_an_email_answer(
    fake: TypeformFake, make: Any
) -> None:
    hidden = {"mail": "X@Example.org", "cid": "C-1"}
    fake.add_response(email=None, score=8, created_at=T0, person_properties=hidden)
    answer = {"field": {"ref": "e"}, "type": "email", "email": "ans@example.org"}
    nps = {"field": {"ref": "nps"}, "type": "number", "number": 10}
    fake.add_response(
        email=None, score=10, created_at=T0, overrides={"answers": [nps, answer], "hidden": {}}
    )

    found = _responses(_pages(make(email_hidden_field="mail", external_id_hidden_field="cid")))

    assert [(r.email, r.external_id) for r in found] == [
        ("x@example.org", "C-1"),
        ("ans@example.org", None),
    ]


def test_comment_by_ref_or_the_first_text_answer_after_the_score(
    fake: TypeformFake, make: Any
) -> None:
    fake.add_response(email="a@example.org", score=2, comment="Too slow", created_at=T0)

    [by_default] = _responses(_pages(make()))
    [by_ref] = _responses(_pages(make(comment_ref="nps_reason")))
    [missing] = _responses(_pages(make(comment_ref="nothing")))

    assert (by_default.comment, by_ref.comment, missing.comment) == ("Too slow", "Too slow", None)
    assert by_default.survey == FORM and by_default.category.value == "detractor"


def test_an_unanswered_nps_question_is_skipped_and_counted(fake: TypeformFake, make: Any) -> None:
    fake.add_response(email="a@example.org", score=1, created_at=T0, overrides={"answers": []})

    pages = _pages(make())

    assert sum(page.skipped for page in pages) == 1 and not _responses(pages)


def test_a_later_submission_is_a_new_version_of_the_same_response(
    fake: TypeformFake, make: Any
) -> None:
    token = fake.add_response(email="a@example.org", score=6, created_at=T0)
    [first] = _responses(_pages(make()))
    fake.update_response(token, comment="Better now", score=9, at=T0 + timedelta(hours=1))

    [second] = _responses(_pages(make()))

    assert second.response_id == first.response_id == token
    assert second.version > first.version and (second.score, second.comment) == (9, "Better now")


def test_every_form_is_listed_and_through_waits_for_the_slowest(
    fake: TypeformFake, make: Any
) -> None:
    a = fake.add_response(email="a@example.org", score=9, created_at=T0, form=FORM)
    b = fake.add_response(email="b@example.org", score=9, created_at=T0, form="other")

    pages = _pages(make(forms=[FORM, "other"]))

    assert {r.response_id: r.survey for r in _responses(pages)} == {a: FORM, b: "other"}
    assert pages[0].through is not None and pages[0].through < NOW and pages[-1].through == NOW


def test_one_limiter_per_account_shared_by_sources_with_the_same_token(make: Any) -> None:
    first, second, other = make(), make(forms=["other"]), make(access_token="another-token")
    limiters = [account_limiter(s._settings) for s in (first, second, other)]

    assert limiters[0] is limiters[1] and limiters[0] is not limiters[2]


def test_the_default_limiter_spaces_calls_under_two_a_second(server: LoopbackServer) -> None:
    settings = TypeformSettings(
        base_url=server.base_url,
        access_token="rate-test-token",
        forms=(FORM,),
        nps_ref="nps",
    )
    limiter = account_limiter(settings)
    assert limiter.max_calls == 1  # type: ignore[attr-defined]
    assert limiter.period == pytest.approx(1 / 1.8)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, SourceAuthError), (403, SourceAuthError), (404, SourceRejected), (400, SourceRejected)],
)
def test_vendor_errors_map_to_core_errors_without_retry(
    fake: TypeformFake, make: Any, sleeps: Sleeps, status: int, error: type[Exception]
) -> None:
    fake.inject(status, times=5)

    with pytest.raises(error) as raised:
        _pages(make())

    assert sleeps == [] and TOKEN not in str(raised.value)


def test_an_unknown_form_is_a_rejected_request(make: Any) -> None:
    with pytest.raises(SourceRejected, match="no such form"):
        _pages(make(forms=["nope"]))


@pytest.mark.parametrize(("retry_after", "waits"), [(2.5, [2.5, 2.5]), (None, [1.0, 2.0])])
def test_429_waits_as_asked_or_backs_off(
    fake: TypeformFake, make: Any, sleeps: Sleeps, retry_after: float | None, waits: list[float]
) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.inject(429, times=2, retry_after=retry_after)

    assert len(_responses(_pages(make()))) == 1
    assert sleeps == waits


def test_connection_resets_are_transient(fake: TypeformFake, make: Any, sleeps: Sleeps) -> None:
    fake.chaos(Chaos(reset=1.0))

    with pytest.raises(SourceUnavailable):
        _pages(make(max_retries=2))
    assert len(sleeps) == 2


def test_random_chaos_is_survived_by_retries(fake: TypeformFake, make: Any) -> None:
    ids = {fake.add_response(email=f"r{i}@example.org", score=7, created_at=T0) for i in range(30)}
    fake.chaos(Chaos(server_error=0.2, rate_limited=0.2, seed=3))

    found = {r.response_id for r in _responses(_pages(make(page_size=5, max_retries=10)))}

    assert found == ids


def test_a_repeated_page_ends_the_walk_without_claiming_completeness(
    fake: TypeformFake, make: Any
) -> None:
    fake.misbehave(Fault.REPEAT)

    pages = _pages(make(page_size=5))

    assert len(pages) == 2 and all(p.through is None or p.through < NOW for p in pages)


def test_an_endless_listing_yields_page_after_page_for_the_poll_bound(
    fake: TypeformFake, make: Any
) -> None:
    fake.misbehave(Fault.ENDLESS)

    pages = list(itertools.islice(make(page_size=5).fetch(T0, NOW), 50))

    assert len(pages) == 50 and all(p.through is None or p.through < NOW for p in pages)


def test_check_reports_each_form(make: Any) -> None:
    results = make(forms=[FORM, "nope"]).check()

    assert [r.ok for r in results] == [True, False]
    assert "forms" in results[1].detail and TOKEN not in results[1].detail


def test_the_account_limiter_keeps_under_typeforms_two_a_second(
    fake: TypeformFake, server: LoopbackServer, sleeps: Sleeps
) -> None:
    for i in range(10):
        fake.add_response(email=f"r{i}@example.org", score=8, created_at=T0 + timedelta(seconds=i))
    fake.limit_rate(2)
    settings = TypeformSettings(
        base_url=server.base_url, access_token=TOKEN, forms=(FORM,), nps_ref="nps", page_size=2
    )
    source = TypeformSource("typeform", settings, sleep=sleeps, clock=lambda: NOW)

    found = _responses(_pages(source))
    source.close()

    assert len({r.response_id for r in found}) == 10
    assert sleeps == []  # not one 429 to wait out


def test_an_answer_sent_at_a_crawl_is_cut_off_at_the_deadline(
    fake: TypeformFake, make: Any
) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.misbehave(Fault.TRICKLE)

    with pytest.raises(SourceUnavailable, match="whole answer"):
        _pages(make(request_deadline_seconds=0.3, max_retries=0))
