"""The company roll-up's arithmetic: latest score, NPS over the window, open detractor tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.crm.hubspot.rollup_figures import Answered, company_figures
from connectors.crm.hubspot.rollup_names import RollupPropertyNames

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=90)
NAMES = RollupPropertyNames()
LATEST, NPS, OPEN = NAMES.latest, NAMES.window, NAMES.open_detractor_followups


def _answer(contact: str, score: int, days_ago: float, company: str = "c1") -> Answered:
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    return Answered(contact, company, score, category, NOW - timedelta(days=days_ago))


def _figures(
    *contacts: Answered, companies: tuple[str, ...] = ("c1",), **open_tasks: set[str]
) -> dict[str, dict[str, str]]:
    return company_figures(companies, contacts, open_tasks, NAMES, now=NOW, window=WINDOW)


def test_several_contacts_give_latest_score_nps_and_open_followups() -> None:
    figures = _figures(
        _answer("a", 10, 5),
        _answer("b", 3, 1),  # the latest answer
        _answer("c", 8, 20),
        _answer("d", 9, 30),
        b={"t1", "t2"},
        a={"t3"},  # a promoter's task does not count
    )
    # Two promoters, one detractor, one passive: (2 - 1) / 4 = 25.
    assert figures == {"c1": {LATEST: "3", NPS: "25", OPEN: "2"}}


def test_window_edges_count_the_first_instant_and_not_the_one_before() -> None:
    at_edge = _answer("a", 10, 90)
    just_before = Answered("b", "c1", 0, "detractor", NOW - WINDOW - timedelta(seconds=1))
    assert _figures(at_edge, just_before)["c1"][NPS] == "100"
    assert _figures(just_before)["c1"][NPS] == ""  # nobody answered within the window
    assert _figures(just_before)["c1"][LATEST] == "0"  # but the latest score is still known


def test_a_company_without_answers_is_cleared_and_has_no_followups() -> None:
    figures = _figures(_answer("a", 10, 1, company="c2"), companies=("c1", "c2"))
    assert figures["c1"] == {LATEST: "", NPS: "", OPEN: "0"}
    assert figures["c2"] == {LATEST: "10", NPS: "100", OPEN: "0"}


def test_blank_company_ids_are_ignored() -> None:
    assert _figures(_answer("a", 10, 1, company=""), companies=("", "")) == {}


def test_a_task_shared_by_two_detractors_counts_once_and_rounding_is_whole() -> None:
    figures = _figures(_answer("a", 2, 1), _answer("b", 9, 2), _answer("c", 7, 3), a={"t"}, b={"t"})
    assert figures["c1"][OPEN] == "1"
    assert figures["c1"][NPS] == "0"  # (1 - 1) / 3


def test_hubspot_strings_become_answers() -> None:
    answered = Answered.of("a", "c1", "7.0", "passive", "2026-11-29T10:00:00Z")
    assert answered.score == 7 and answered.responded_at == datetime(2026, 11, 29, 10, tzinfo=UTC)
    assert Answered.of("a", "c1", "", None, None).score is None
    assert Answered.of("a", "c1", "eleven", None, "1764410400000").score is None
