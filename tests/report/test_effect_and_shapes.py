"""Loop effectiveness and the bucketed distributions, against hand-computed values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from syncd.clock import to_ms
from syncd.report import build_report
from syncd.report.effect import EffectStats, histogram_median
from syncd.report.metrics import Nps, percentile
from syncd.store import schema

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
D = 86_400_000
T0_MS = to_ms(T0)
NOW = T0 + timedelta(days=12)


@pytest.fixture
def conn(engine: sqlalchemy.Engine) -> Iterator[sqlalchemy.Connection]:
    """SQLite and PostgreSQL: the window and bucket SQL must agree on both."""
    with engine.begin() as connection:
        yield connection


def loop(conn: sqlalchemy.Connection, rid: str, email: str, score: int, at: int, **kw: Any) -> None:
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    row = {"crm": "hubspot", "updated_ms": 0, "category": category, "score": score}
    conn.execute(
        insert(schema.loops).values(
            source="s", response_id=rid, email=email, response_ms=at, **row, **kw
        )
    )


@pytest.fixture
def story(conn: sqlalchemy.Connection) -> sqlalchemy.Connection:
    # a: detractor, closed after a day, next answer a promoter (same person, other case).
    loop(conn, "a1", "a@x.example", 3, T0_MS, team="Support", task_id="t1", closed_ms=T0_MS + D)
    loop(conn, "a2", "A@X.example", 9, T0_MS + 10 * D)
    # b: detractor, task never closed; next answer still a detractor, two points up.
    loop(conn, "b1", "b@x.example", 2, T0_MS, team="Success", task_id="t2")
    loop(conn, "b2", "b@x.example", 4, T0_MS + 5 * D)
    # c: passive, closed only after the next answer came in (8 days vs 6): not closed.
    closed_late = T0_MS + 8 * D
    loop(conn, "c1", "c@x.example", 7, T0_MS, team="Success", task_id="t3", closed_ms=closed_late)
    loop(conn, "c2", "c@x.example", 8, T0_MS + 6 * D)
    # d: detractor closed within two hours, no next answer yet.
    loop(
        conn,
        "d1",
        "d@x.example",
        0,
        T0_MS,
        team="Support",
        task_id="t4",
        closed_ms=T0_MS + 2 * 3_600_000,
    )
    return conn


def test_effectiveness_overall(story: sqlalchemy.Connection) -> None:
    report = build_report(story, now=NOW)
    (overall,) = [e for e in report.effect if e.dimension == "overall"]
    assert overall.closed == EffectStats(answers=2, answered_again=1, moved_up=1, changes={6: 1})
    assert overall.closed.moved_up_share == 1.0
    assert overall.closed.median_change == 6
    # b1, c1 and the two later answers b2 (a detractor) and c2 (a passive) without a task.
    assert overall.not_closed == EffectStats(4, 2, 0, {2: 1, 1: 1})
    assert overall.not_closed.moved_up_share == 0.0
    assert overall.not_closed.median_change == 1.5


def test_effectiveness_per_team(story: sqlalchemy.Connection) -> None:
    report = build_report(story, now=NOW)
    teams = {e.key: e for e in report.effect if e.dimension == "team"}
    assert set(teams) == {"Support", "Success", "(no team)"}
    assert teams["Support"].closed == EffectStats(2, 1, 1, {6: 1})
    assert teams["Support"].not_closed == EffectStats()
    assert teams["Success"].closed == EffectStats()
    assert teams["Success"].not_closed == EffectStats(2, 2, 0, {2: 1, 1: 1})


def test_the_period_filters_the_answer_not_its_successor(story: sqlalchemy.Connection) -> None:
    report = build_report(story, now=NOW, until=T0 + timedelta(days=1))
    (overall,) = [e for e in report.effect if e.dimension == "overall"]
    assert overall.closed.answered_again == 1  # a2 lies outside the period but still counts
    assert overall.not_closed.answers == 2


def test_backlog_ageing_and_close_spread(story: sqlalchemy.Connection) -> None:
    report = build_report(story, now=NOW)
    assert [(b.key, b.bucket, b.count) for b in report.ageing] == [("(unassigned)", "7-14 days", 1)]
    spread = sorted((b.key, b.bucket, b.count) for b in report.close_spread)
    assert spread == [
        ("detractor", "1-2 days", 1),
        ("detractor", "< 1 day", 1),
        ("passive", "5-10 days", 1),
    ]


def test_funnel_and_week_nps(story: sqlalchemy.Connection) -> None:
    m = build_report(story, now=NOW).overall
    assert (m.responses, m.tasks, m.touched, m.closed) == (7, 4, 0, 3)
    weeks = build_report(story, now=NOW, group_by="week").grouped
    assert [g.label for g in weeks] == ["2026-11-02", "2026-11-09"]
    # Week 1: a1 3, b1 2, c1 7, d1 0, b2 4, c2 8 -> 0 promoters, 2 passives, 4 detractors.
    assert weeks[0].metrics.nps == Nps(0, 2, 4)
    assert weeks[0].metrics.nps.score == -67
    assert weeks[1].metrics.nps == Nps(1, 0, 0)


@given(st.dictionaries(st.integers(-10, 10), st.integers(1, 5), min_size=1))
def test_histogram_median_is_the_median_of_the_values(counts: dict[int, int]) -> None:
    values = [v for v, n in counts.items() for _ in range(n)]
    assert histogram_median(counts) == pytest.approx(percentile(values, 0.5))


def test_histogram_median_of_nothing_is_none() -> None:
    assert histogram_median({}) is None


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_nps_stays_within_bounds(promoters: int, passives: int, detractors: int) -> None:
    score = Nps(promoters, passives, detractors).score
    if promoters + passives + detractors == 0:
        assert score is None
    else:
        assert score is not None and -100 <= score <= 100


@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=50),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_percentiles_rise_with_q(values: list[int], q1: float, q2: float) -> None:
    low, high = sorted((q1, q2))
    assert min(values) <= percentile(values, low) <= percentile(values, high) <= max(values)
