"""The daily request plan: spread across the day, corrected by the vendor, never hit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sources.surveymonkey import SurveyMonkeySettings, SurveyMonkeySource
from connectors.sources.surveymonkey.budget import DailyBudget
from connectors.sources.surveymonkey.fake import SurveyMonkeyFake
from syncd.sandbox.http import LoopbackServer

NOON = datetime(2024, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 6, 1, tzinfo=UTC)


class Clock:
    """A wall clock the test moves."""

    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_an_hours_share_may_go_at_once_then_the_rest_is_paced() -> None:
    clock = Clock()
    budget = DailyBudget(500, 50, clock=clock)

    spent = 0
    while budget.wait() == 0:
        spent += 1

    assert spent == 19  # ceil(450 / 24): an hour's share of the planned 450
    assert budget.wait() == pytest.approx(86_400 / 450, rel=0.01)
    clock.now += timedelta(seconds=86_400 / 450)
    assert budget.wait() == 0


def test_a_whole_day_never_spends_more_than_limit_minus_reserve() -> None:
    clock = Clock(datetime(2024, 6, 1, tzinfo=UTC))
    budget = DailyBudget(500, 50, clock=clock)

    spent = 0
    while clock.now.date() == datetime(2024, 6, 1).date():
        if budget.wait() == 0:
            spent += 1
        else:
            clock.now += timedelta(seconds=30)

    assert 440 <= spent <= 450


def test_the_day_is_over_until_midnight_gmt() -> None:
    clock = Clock()
    budget = DailyBudget(10, 2, clock=clock)
    budget.spent_today = 8

    assert budget.wait() == 12 * 3600
    assert budget.wait(reserve_ok=True) == 0  # a check may use the reserve
    clock.now = datetime(2024, 6, 2, 0, 0, 1, tzinfo=UTC)
    assert budget.wait() == 0 and budget.spent_today == 1


def test_the_vendors_remaining_count_corrects_the_plan() -> None:
    budget = DailyBudget(500, 50, clock=Clock())

    budget.observe({"X-Ratelimit-App-Global-Day-Remaining": "55"})

    assert budget.spent_today == 445
    assert [budget.wait() for _ in range(6)].count(0) == 5  # 55 left, 50 kept back


@pytest.mark.parametrize("value", ["", "-3", "lots", "9" * 30])
def test_unreadable_remaining_counts_are_ignored(value: str) -> None:
    budget = DailyBudget(500, 50, clock=Clock())
    budget.observe({"X-Ratelimit-App-Global-Day-Remaining": value})
    assert budget.spent_today == 0


@pytest.fixture
def served() -> Iterator[tuple[SurveyMonkeyFake, str]]:
    fake = SurveyMonkeyFake("tok", daily_limit=500, clock=lambda: NOON)
    with LoopbackServer(fake) as server:
        yield fake, f"{server.base_url}/v3"


def _source(base_url: str, clock: Clock, **overrides: Any) -> SurveyMonkeySource:
    values = {"base_url": base_url, "access_token": "tok", "surveys": ["412233001"], "page_size": 5}
    settings = SurveyMonkeySettings.model_validate(values | overrides)
    return SurveyMonkeySource("sm", settings, sleep=lambda _: None, clock=clock)


def test_polling_pauses_before_the_vendor_refuses_and_continues_later(
    served: tuple[SurveyMonkeyFake, str],
) -> None:
    fake, base_url = served
    ids = {
        fake.add_response(email=f"r{i}@x.org", score=9, created_at=T0 + timedelta(seconds=i))
        for i in range(200)
    }
    clock = Clock()
    source = _source(base_url, clock)

    first = list(source.fetch(T0, NOON))

    assert fake.requests_today() == 19  # details + 18 pages: the hour's share, no 429
    last = first[-1]
    assert last.responses == () and last.through is not None and last.through < NOON
    pages, through = list(first), last.through
    assert through is not None
    for _ in range(10):  # each hour brings the next hour's share
        clock.now += timedelta(hours=1)
        more = list(source.fetch(through, NOON))
        pages += more
        reached = more[-1].through
        assert reached is not None and reached >= through
        through = reached
        if through == NOON:
            break
    assert {r.response_id for page in pages for r in page.responses} == ids
    assert through == NOON and fake.requests_today() < 450
    source.close()
