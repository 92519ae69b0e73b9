"""Routing on its own: which rule a response matches, its task, its owner and its due date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.model import NpsCategory, Owner, Priority, SurveyResponse
from syncd.routing import OwnerChoice, OwnerFacts, add_business_days, choose_owner, matches, route
from syncd.routing_settings import RoutingRule, RoutingSettings

UTC_TZ = ZoneInfo("UTC")
#: Monday 2 November 2026, 09:00 UTC.
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def answer(score: int = 3, **fields: object) -> SurveyResponse:
    values: dict[str, object] = {
        "source": "delighted",
        "response_id": "r1",
        "version": 1,
        "score": score,
        "submitted_at": MONDAY,
        "updated_at": MONDAY,
        "email": "ann@x.example",
    }
    values.update(fields)
    return SurveyResponse(**values)  # type: ignore[arg-type]


def rule(name: str = "r", **fields: object) -> RoutingRule:
    values: dict[str, object] = {"name": name, "owner": ("contact_owner",)}
    values.update(fields)
    return RoutingRule.model_validate(values)


def settings(*rules: RoutingRule, **calendar: object) -> RoutingSettings:
    return RoutingSettings.model_validate({"rules": rules, **calendar})


# --- rule matching ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "category"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter")],
)
def test_categories_select_by_band(score: int, category: str) -> None:
    only = rule(categories=(NpsCategory(category),))
    assert matches(only, answer(score))
    others = [c for c in NpsCategory if c.value != category]
    assert not matches(rule(categories=tuple(others)), answer(score))


def test_score_range_is_inclusive_at_both_ends() -> None:
    band = rule(score_min=3, score_max=5)
    assert [s for s in range(11) if matches(band, answer(s))] == [3, 4, 5]


def test_sources_and_surveys_restrict_when_listed() -> None:
    response = answer(source="delighted", survey="onboarding")
    assert matches(rule(sources=("delighted",), surveys=("onboarding",)), response)
    assert not matches(rule(sources=("typeform",)), response)
    assert not matches(rule(surveys=("churn",)), response)
    assert not matches(rule(surveys=("onboarding",)), answer(survey=None))


def test_comment_contains_any_word_ignoring_case() -> None:
    words = rule(comment_contains=("Cancel", "refund"))
    assert matches(words, answer(comment="I want to CANCEL now"))
    assert matches(words, answer(comment="a refund please"))
    assert not matches(words, answer(comment="all good"))
    assert not matches(words, answer(comment=None))


def test_properties_must_all_be_equal() -> None:
    plan = rule(properties={"plan": "enterprise", "region": "eu"})
    assert matches(plan, answer(properties={"plan": "enterprise", "region": "eu", "x": "1"}))
    assert not matches(plan, answer(properties={"plan": "enterprise"}))
    assert not matches(plan, answer(properties={"plan": "Enterprise", "region": "eu"}))


def test_first_matching_rule_wins() -> None:
    chosen = route(
        answer(2, comment="cancel"),
        settings(rule("promoters", categories=(NpsCategory.PROMOTER,)), rule("any"), rule("late")),
        UTC_TZ,
    )
    assert chosen.rule == "any"


def test_no_match_means_no_rule_and_no_task() -> None:
    decision = route(answer(10), settings(rule(categories=(NpsCategory.DETRACTOR,))), UTC_TZ)
    assert (decision.rule, decision.team, decision.task) == (None, None, None)


def test_rule_without_task_keeps_its_name_and_team() -> None:
    decision = route(answer(), settings(rule("quiet", create_task=False, team="Ops")), UTC_TZ)
    assert (decision.rule, decision.team, decision.task) == ("quiet", "Ops", None)


# --- templates ----------------------------------------------------------------------------


def test_templates_fill_every_field() -> None:
    body = "{score}|{category}|{comment}|{survey}|{source}|{response_id}|{rule}|{team}|{due_at}"
    decision = route(
        answer(4, comment="slow", survey="s1"),
        settings(rule("fix", team="Support", subject="NPS {score} from {email}", body=body)),
        UTC_TZ,
    )
    assert decision.task is not None
    assert decision.task.subject == "NPS 4 from ann@x.example"
    due = decision.task.due_at.isoformat(timespec="minutes")
    assert decision.task.body == f"4|detractor|slow|s1|delighted|r1|fix|Support|{due}"


def test_templates_name_what_is_missing() -> None:
    decision = route(
        answer(email=None, external_id="C-7", comment=None),
        settings(rule(subject="{email}: {comment}", body="[{link}][{survey}]")),
        UTC_TZ,
    )
    assert decision.task is not None
    assert decision.task.subject == "C-7: (no comment)"
    assert decision.task.body == "[][]"
    nobody = route(answer(email=None), settings(rule(subject="{email}")), UTC_TZ).task
    assert nobody is not None and nobody.subject == "(unknown respondent)"


def test_subject_is_cut_to_what_a_crm_accepts() -> None:
    long = "x" * 400
    chosen = rule(subject="{comment}", body="{comment}")
    task = route(answer(comment=long), settings(chosen), UTC_TZ).task
    assert task is not None
    assert task.subject == "x" * 250
    assert task.body == long


def test_task_carries_the_rule_priority_team_and_owner_chain() -> None:
    chosen = rule(
        "vip", team="Support", priority=Priority.HIGH, owner=("user:boss@x.example", "least_open")
    )
    task = route(answer(), settings(chosen), UTC_TZ).task
    assert task is not None
    assert (task.rule, task.team, task.priority) == ("vip", "Support", Priority.HIGH)
    assert task.owner_chain == ("user:boss@x.example", "least_open")


# --- business-day due dates ---------------------------------------------------------------


def test_due_date_skips_the_weekend() -> None:
    friday = datetime(2026, 11, 6, 15, 30, tzinfo=UTC)
    due = add_business_days(friday, 1, RoutingSettings(), UTC_TZ)
    assert due == datetime(2026, 11, 9, 15, 30, tzinfo=UTC)


def test_due_date_skips_holidays() -> None:
    calendar = RoutingSettings(holidays=(date(2026, 11, 3), date(2026, 11, 4)))
    assert add_business_days(MONDAY, 2, calendar, UTC_TZ) == MONDAY + timedelta(days=4)


def test_due_date_counts_workdays_as_configured() -> None:
    sunday_to_thursday = RoutingSettings(workdays=(6, 0, 1, 2, 3))
    thursday = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert add_business_days(thursday, 1, sunday_to_thursday, UTC_TZ).date() == date(2026, 11, 8)


def test_due_date_weekend_is_the_local_weekend() -> None:
    # Friday 20:00 UTC is already Saturday 09:00 in Auckland: one working day there is Monday.
    friday_utc = datetime(2026, 11, 6, 20, 0, tzinfo=UTC)
    due = add_business_days(friday_utc, 1, RoutingSettings(), ZoneInfo("Pacific/Auckland"))
    assert due == datetime(2026, 11, 8, 20, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_due_date_keeps_local_time_across_a_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Friday 23 October 2026 09:00 in Berlin; summer time ends on Sunday 25 October.
    friday = datetime(2026, 10, 23, 9, 0, tzinfo=berlin).astimezone(UTC)
    due = add_business_days(friday, 1, RoutingSettings(), berlin)
    assert due.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 10, 26, 9, 0)


def test_fractional_days_add_hours_after_the_last_whole_day() -> None:
    due = add_business_days(MONDAY, 1.5, RoutingSettings(), UTC_TZ)
    assert due == MONDAY + timedelta(days=1, hours=12)


def test_route_due_date_uses_the_rule_and_the_calendar() -> None:
    friday = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
    task = route(
        answer(submitted_at=friday),
        settings(rule(due_business_days=2), holidays=(date(2026, 11, 9),)),
        UTC_TZ,
    ).task
    assert task is not None
    assert task.due_at == datetime(2026, 11, 11, 10, 0, tzinfo=UTC)


# --- owners -------------------------------------------------------------------------------

ANN = Owner("1", "ann@x.example", "Ann", frozenset({"Support"}))
BOB = Owner("2", "bob@x.example", "Bob", frozenset({"support"}))
CAT = Owner("3", "cat@x.example", "Cat", frozenset({"Sales"}))
GONE = Owner("4", "gone@x.example", "Gone", frozenset({"Support"}), active=False)
OWNERS = (ANN, BOB, CAT, GONE)


def pick(
    chain: tuple[str, ...],
    team: str | None,
    contact_owner: str | None,
    owners: Sequence[Owner],
    loads: Mapping[str, int],
    fallback: str | None,
) -> OwnerChoice:
    facts = OwnerFacts(team=team, contact_owner_id=contact_owner, open_loops=loads)
    return choose_owner(chain, owners, facts, fallback)


def test_team_contact_owner_only_when_the_owner_is_in_the_team() -> None:
    chain = ("team_contact_owner", "least_open")
    in_team = pick(chain, "Support", "2", OWNERS, {"2": 5}, None)
    assert (in_team.owner_id, in_team.via) == ("2", "team_contact_owner")
    outside = pick(chain, "Support", "3", OWNERS, {}, None)
    assert (outside.owner_id, outside.via) == ("1", "least_open")


def test_contact_owner_ignores_the_team() -> None:
    choice = pick(("contact_owner",), "Support", "3", OWNERS, {}, None)
    assert (choice.owner_id, choice.via) == ("3", "contact_owner")


def test_least_open_picks_the_team_member_with_fewest_open_loops() -> None:
    choice = pick(("least_open",), "support", None, OWNERS, {"1": 4, "2": 1}, None)
    assert (choice.owner_id, choice.via) == ("2", "least_open")
    tie = pick(("least_open",), "Support", None, OWNERS, {}, None)
    assert tie.owner_id == "1"


def test_user_strategy_finds_by_email_or_id() -> None:
    by_email = pick(("user:CAT@x.example",), None, None, OWNERS, {}, None)
    by_id = pick(("user:2",), None, None, OWNERS, {}, None)
    assert (by_email.owner_id, by_email.via) == ("3", "user")
    assert by_id.owner_id == "2"


def test_strategies_are_tried_in_order() -> None:
    first = pick(("user:cat@x.example", "contact_owner"), None, "1", OWNERS, {}, None)
    second = pick(("contact_owner", "user:cat@x.example"), None, "1", OWNERS, {}, None)
    assert (first.owner_id, second.owner_id) == ("3", "1")


def test_inactive_owners_are_never_chosen() -> None:
    chain = ("contact_owner", "user:gone@x.example", "least_open")
    choice = pick(chain, "Support", "4", (GONE,), {}, "4")
    assert (choice.owner_id, choice.via) == (None, "unassigned")


def test_fallback_when_no_strategy_finds_anyone() -> None:
    choice = pick(("contact_owner",), None, None, OWNERS, {}, "bob@x.example")
    assert (choice.owner_id, choice.via) == ("2", "fallback")
    unknown = pick(("contact_owner",), None, None, OWNERS, {}, "nobody@x.example")
    assert (unknown.owner_id, unknown.via) == (None, "unassigned")


# --- properties ---------------------------------------------------------------------------


@given(st.integers(0, 10))
def test_category_bands_are_contiguous(score: int) -> None:
    expected = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    assert NpsCategory.from_score(score).value == expected


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=11)))
def test_scores_outside_zero_to_ten_are_refused(score: int) -> None:
    with pytest.raises(ValueError, match="0-10"):
        NpsCategory.from_score(score)


CALENDARS = st.builds(
    lambda days, holidays: RoutingSettings(workdays=tuple(days), holidays=tuple(holidays)),
    st.sets(st.integers(0, 6), min_size=1),
    st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20),
)
STARTS = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"])


@given(STARTS, st.integers(1, 15), CALENDARS, ZONES)
def test_whole_day_due_dates_land_on_a_local_working_day(
    start: datetime, days: int, calendar: RoutingSettings, zone: str
) -> None:
    tz = ZoneInfo(zone)
    due = add_business_days(start, days, calendar, tz)
    local = due.astimezone(tz).date()
    assert local.weekday() in calendar.workdays
    assert local not in calendar.holidays
    assert due > start
    # Exactly ``days`` working days lie after the start, up to and including the due day.
    first = start.astimezone(tz).date()
    between = [first + timedelta(days=n) for n in range(1, (local - first).days + 1)]
    working = [
        d for d in between if d.weekday() in calendar.workdays and d not in calendar.holidays
    ]
    assert len(working) == days


RULES = st.lists(
    st.builds(
        lambda i, lo, width, cats, word: rule(
            f"rule-{i}",
            score_min=lo,
            score_max=min(10, lo + width),
            categories=tuple(cats),
            comment_contains=(word,) if word else (),
        ),
        st.integers(0, 10**6),
        st.integers(0, 10),
        st.integers(0, 10),
        st.sets(st.sampled_from(NpsCategory), min_size=1),
        st.sampled_from(["", "cancel", "price"]),
    ),
    max_size=6,
    unique_by=lambda r: r.name,
)


@given(RULES, st.integers(0, 10), st.sampled_from([None, "cancel now", "price is high", "ok"]))
def test_routing_is_total_and_picks_the_first_match(
    rules: list[RoutingRule], score: int, comment: str | None
) -> None:
    response = answer(score, comment=comment)
    decision = route(response, RoutingSettings(rules=tuple(rules)), UTC_TZ)
    matching = [r.name for r in rules if matches(r, response)]
    assert decision.rule == (matching[0] if matching else None)
    assert (decision.task is not None) == bool(matching)
