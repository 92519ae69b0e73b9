"""Hand-computed cases for every loop and NPS metric, and properties of the percentiles."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.report import Report, render_csv, render_html, render_json, render_text
from syncd.report import metrics as m
from syncd.report.metrics import LoopRow, Nps, OwnerName
from syncd.report.pipeline_sql import PipelineHealth

H = 3_600_000
NOW = 100 * H


def loop(
    *,
    task: bool = True,
    category: str = "detractor",
    team: str | None = "support",
    owner: str | None = "u1",
    crm: str = "hubspot",
    response: int = 0,
    due: int | None = None,
    created: int | None = None,
    touched: int | None = None,
    closed: int | None = None,
) -> LoopRow:
    return LoopRow(
        crm=crm,
        category=category,
        team=team,
        owner_id=owner if task else None,
        has_task=task,
        response_ms=response,
        due_ms=due,
        task_created_ms=created if created is not None or not task else response + H,
        first_touch_ms=touched,
        closed_ms=closed,
    )


def stats(d: m.DurationStats) -> tuple[int, float | None, float | None]:
    return (d.count, d.median_ms, d.p90_ms)


# A: met SLA. B: closed late. C: open inside SLA. D: open and overdue. E: no task. F: no due.
SAMPLE = [
    loop(response=0, due=24 * H, created=1 * H, touched=2 * H, closed=5 * H),
    loop(response=0, due=24 * H, created=3 * H, touched=20 * H, closed=30 * H),
    loop(response=90 * H, due=NOW + H, created=92 * H),
    loop(response=10 * H, due=NOW - H, created=14 * H, touched=15 * H),
    loop(task=False, response=50 * H),
    loop(response=40 * H, created=41 * H, touched=45 * H, closed=50 * H),
]


def test_percentile_linear_interpolation_by_hand() -> None:
    assert m.percentile([1, 2], 0.5) == 1.5
    assert m.percentile([10, 0], 0.9) == 9
    assert m.percentile([7], 0.9) == 7
    assert m.percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert m.percentile([5, 1, 4, 2, 3], 0.9) == pytest.approx(4.6)
    assert m.percentile([3, 1, 2], 0) == 1
    assert m.percentile([3, 1, 2], 1) == 3


@pytest.mark.parametrize("q", [-0.1, 1.1])
def test_percentile_rejects_bad_input(q: float) -> None:
    with pytest.raises(ValueError):
        m.percentile([1], q)
    with pytest.raises(ValueError):
        m.percentile([], 0.5)


durations = st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=60)


@given(durations)
def test_median_at_most_p90_and_within_range(values: list[int]) -> None:
    median, p90 = m.percentile(values, 0.5), m.percentile(values, 0.9)
    assert min(values) <= median <= p90 <= max(values)


@given(durations, st.randoms(use_true_random=False))
def test_percentiles_ignore_order(values: list[int], rng: random.Random) -> None:
    shuffled = list(values)
    rng.shuffle(shuffled)
    for q in (0.5, 0.9):
        assert m.percentile(shuffled, q) == m.percentile(values, q)


@given(durations)
def test_percentiles_agree_with_statistics_module(values: list[int]) -> None:
    assert m.percentile(values, 0.5) == pytest.approx(statistics.median(values))
    if len(values) > 1:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert m.percentile(values, 0.9) == pytest.approx(p90)


def test_loop_metrics_by_hand() -> None:
    got = m.loop_metrics(SAMPLE, NOW)
    assert (got.responses, got.tasks, got.closed, got.open, got.overdue) == (6, 5, 3, 2, 1)
    # Counted: A (met), B (late), D (open, past due); C is inside its SLA, F has no due time.
    assert (got.sla_met, got.sla_counted) == (1, 3)
    assert got.sla_share == pytest.approx(1 / 3)
    # To task: 1h, 3h, 2h, 4h, 1h -> sorted 1,1,2,3,4: median 2h, p90 at rank 3.6 -> 3.6h.
    assert stats(got.time_to_task) == pytest.approx((5, 2 * H, 3.6 * H))
    # First touch: 2h, 20h, 5h, 5h -> median 5h, p90 at rank 2.7 -> 5h + 0.7 * 15h.
    assert stats(got.time_to_first_touch) == pytest.approx((4, 5 * H, 15.5 * H))
    # Close: 5h, 30h, 10h -> median 10h, p90 at rank 1.8 -> 10h + 0.8 * 20h = 26h.
    assert stats(got.time_to_close) == pytest.approx((3, 10 * H, 26 * H))


def test_sla_boundaries() -> None:
    on_time = loop(due=10 * H, closed=10 * H)
    due_now = loop(due=NOW)
    got = m.loop_metrics([on_time, due_now], NOW)
    assert (got.sla_met, got.sla_counted) == (1, 1)
    assert (got.open, got.overdue) == (1, 0)


def test_open_loop_without_due_is_backlog_but_never_overdue() -> None:
    got = m.loop_metrics([loop(due=None)], NOW)
    assert (got.open, got.overdue, got.sla_counted, got.sla_share) == (1, 0, 0, None)


def test_stamp_before_the_answer_counts_as_zero() -> None:
    got = m.loop_metrics([loop(response=5 * H, created=4 * H, closed=6 * H)], NOW)
    assert got.time_to_task == m.DurationStats(1, 0, 0)
    assert got.time_to_close.median_ms == H


def test_responses_only_loops() -> None:
    got = m.loop_metrics([loop(task=False), loop(task=False, due=NOW - H)], NOW)
    assert (got.responses, got.tasks, got.open, got.overdue, got.sla_counted) == (2, 0, 0, 0, 0)
    assert got.time_to_task == m.DurationStats()


def test_empty_metrics_have_no_division() -> None:
    got = m.loop_metrics([], NOW)
    assert got == m.LoopMetrics()
    assert got.sla_share is None
    assert got.time_to_close.median_ms is None


def test_categories_in_fixed_order_even_when_empty() -> None:
    rows = [loop(category="promoter"), loop(category="detractor"), loop(category="weird")]
    groups = m.by_category(rows, NOW)
    assert [g.key for g in groups] == ["detractor", "passive", "promoter", "weird"]
    assert [g.metrics.responses for g in groups] == [1, 0, 1, 1]


def test_teams_sorted_with_no_team_last() -> None:
    rows = [loop(team=None), loop(team="sales"), loop(team="Billing"), loop(team="sales")]
    groups = m.by_team(rows, NOW)
    assert [(g.key, g.metrics.responses) for g in groups] == [
        ("Billing", 1),
        ("sales", 2),
        (m.NO_TEAM, 1),
    ]


def test_owners_named_unknown_as_id_and_unassigned_last() -> None:
    owners = {("hubspot", "u1"): OwnerName("Zoe Quinn", "zoe@example.com")}
    rows = [
        loop(owner="u1", due=NOW - H),
        loop(owner="u1", closed=2 * H),
        loop(owner="u9"),
        loop(owner="u1", crm="salesforce"),
        loop(task=False),
        loop(owner=None),
    ]
    groups = m.by_owner(rows, NOW, owners)
    assert [(g.key, g.label, g.email) for g in groups] == [
        ("salesforce:u1", "u1", None),
        ("hubspot:u9", "u9", None),
        ("hubspot:u1", "Zoe Quinn", "zoe@example.com"),
        (m.UNASSIGNED, m.UNASSIGNED, None),
    ]
    zoe, unassigned = groups[2].metrics, groups[3].metrics
    assert (zoe.responses, zoe.open, zoe.overdue, zoe.closed) == (2, 1, 1, 1)
    assert (unassigned.responses, unassigned.tasks, unassigned.open) == (2, 1, 1)


def test_nps_counts_and_ignores_invalid_scores() -> None:
    nps = m.nps_from_scores({10: 5, 9: 1, 8: 2, 7: 0, 3: 2, 11: 4, -1: 1})
    assert (nps.promoters, nps.passives, nps.detractors, nps.responses) == (6, 2, 2, 10)
    assert nps.score == 40  # 60% promoters - 20% detractors


@pytest.mark.parametrize(
    ("nps", "score"),
    [
        (Nps(1, 7, 0), 13),  # 12.5 rounds away from zero, not to even
        (Nps(0, 7, 1), -13),
        (Nps(3, 0, 0), 100),
        (Nps(0, 0, 3), -100),
        (Nps(1, 1, 1), 0),
        (Nps(), None),
    ],
)
def test_nps_score_rounding(nps: Nps, score: int | None) -> None:
    assert nps.score == score


def empty_report() -> Report:
    return Report(
        generated_at=datetime(2025, 1, 1, tzinfo=UTC),
        since=None,
        source=None,
        overall=m.loop_metrics([], NOW),
        by_category=m.by_category([], NOW),
        by_team=m.by_team([], NOW),
        by_owner=m.by_owner([], NOW, {}),
        nps=m.nps_from_scores({}),
        nps_by_source=MappingProxyType({}),
        pipeline=PipelineHealth(MappingProxyType({}), MappingProxyType({}), ()),
    )


def test_empty_store_renders_everywhere() -> None:
    report = empty_report()
    assert "no responses yet" in render_text(report)
    assert "no responses yet" in render_html(report)
    assert '"score": null' in render_json(report)
    assert len(render_csv(report).splitlines()) == 1 + 1 + 3  # header, overall, 3 categories
