"""The report aggregates in the database and agrees exactly with the per-row metrics.

``metrics`` computes from every loop row in memory; the store computes the same counts and
quantiles in SQL (SQLite and PostgreSQL), so the report's memory does not grow with the loops.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from syncd.clock import to_ms
from syncd.report import build_report, metrics
from syncd.report.metrics import LoopRow
from syncd.store.schema import loops

NOW = datetime(2026, 6, 1, tzinfo=UTC)
H = 3_600_000


def _random_loops(rng: random.Random, count: int) -> list[dict[str, object]]:
    now_ms = to_ms(NOW)
    rows = []
    for n in range(count):
        response = now_ms - rng.randrange(1, 200) * H
        task = rng.random() < 0.8
        created = response + rng.randrange(-2, 30) * 60_000 if task else None  # skew too
        closed = created + rng.randrange(0, 90) * H if created and rng.random() < 0.5 else None
        rows.append(
            {
                "source": "d",
                "response_id": f"r{n}",
                "crm": "hubspot",
                "category": rng.choice(["detractor", "passive", "promoter", "odd"]),
                "score": rng.randrange(-1, 12),
                "seen_ms": response + rng.randrange(0, 50) * H if rng.random() < 0.8 else None,
                "sla_start_ms": response + rng.randrange(0, 2) * 30 * H
                if rng.random() < 0.8
                else None,
                "reopened_ms": response + H if rng.random() < 0.1 else None,
                "no_task_reason": rng.choice(["too_old", "throttled", "merged", None])
                if not task
                else None,
                "outcome": rng.choice(["Resolved", "note", None]) if closed else None,
                "escalated_ms": response + 50 * H if task and rng.random() < 0.2 else None,
                "team": rng.choice(["Support", "support", "Success", None]),
                "owner_id": rng.choice(["1", "2", "3", None]) if task else None,
                "task_id": f"t{n}" if task else None,
                "response_ms": response,
                "due_ms": response + rng.randrange(1, 100) * H if rng.random() < 0.9 else None,
                "task_created_ms": created,
                "first_touch_ms": created + rng.randrange(0, 5) * H
                if created and rng.random() < 0.7
                else None,
                "closed_ms": closed,
                "updated_ms": 0,
            }
        )
    return rows


def _as_row(values: dict[str, object]) -> LoopRow:
    return LoopRow(
        crm=str(values["crm"]),
        category=str(values["category"]),
        team=values["team"],  # type: ignore[arg-type]
        owner_id=values["owner_id"],  # type: ignore[arg-type]
        has_task=values["task_id"] is not None,
        response_ms=values["response_ms"],  # type: ignore[arg-type]
        due_ms=values["due_ms"],  # type: ignore[arg-type]
        task_created_ms=values["task_created_ms"],  # type: ignore[arg-type]
        first_touch_ms=values["first_touch_ms"],  # type: ignore[arg-type]
        closed_ms=values["closed_ms"],  # type: ignore[arg-type]
        score=values["score"],  # type: ignore[arg-type]
        seen_ms=values["seen_ms"],  # type: ignore[arg-type]
        sla_start_ms=values["sla_start_ms"],  # type: ignore[arg-type]
        reopened_ms=values["reopened_ms"],  # type: ignore[arg-type]
        no_task_reason=values["no_task_reason"],  # type: ignore[arg-type]
        outcome=values["outcome"],  # type: ignore[arg-type]
        escalated_ms=values["escalated_ms"],  # type: ignore[arg-type]
    )


def test_every_group_matches_the_per_row_metrics(engine: Engine) -> None:
    values = _random_loops(random.Random(8), 400)
    with engine.begin() as conn:
        conn.execute(insert(loops), values)
    rows = [_as_row(v) for v in values]
    now_ms = to_ms(NOW)

    with engine.connect() as conn:
        report = build_report(conn, now=NOW)

    assert report.overall == metrics.loop_metrics(rows, now_ms)
    assert report.by_category == metrics.by_category(rows, now_ms)
    assert report.by_team == metrics.by_team(rows, now_ms)
    assert report.by_owner == metrics.by_owner(rows, now_ms, {})
    weeks: dict[int, list[LoopRow]] = {}
    for row in rows:
        monday = (row.response_ms - 4 * 86_400_000) // (7 * 86_400_000)
        weeks.setdefault(monday, []).append(row)
    assert [g.metrics for g in report.weeks] == [
        metrics.loop_metrics(weeks[w], now_ms) for w in sorted(weeks)
    ]
    assert all(datetime.fromisoformat(g.label).weekday() == 0 for g in report.weeks)


def test_an_empty_store_reports_zeros(engine: Engine) -> None:
    with engine.connect() as conn:
        report = build_report(conn, now=NOW)

    assert report.overall == metrics.loop_metrics([], to_ms(NOW))
    assert report.by_team == ()
    assert report.by_owner == ()


def test_the_report_reads_a_row_per_group_not_per_loop(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(loops), _random_loops(random.Random(3), 2_000))
    fetched: list[int] = []

    with engine.connect() as conn:
        execute = conn.execute

        def counting(statement: Any, *args: Any, **kwargs: Any) -> Any:
            frozen = execute(statement, *args, **kwargs).freeze()
            fetched.append(len(frozen.data))
            return frozen()

        conn.execute = counting  # type: ignore[method-assign]
        build_report(conn, now=NOW)

    # 16 groups (overall, 4 categories, 4 teams, 4 owners, at most 3 weeks): their counts plus
    # at most 8 ranks around the quantiles of each of 3 durations; then bucket counts (5 age
    # buckets x 4 owners, 5 close buckets x 4 categories) and effectiveness rows: far below the
    # 2,000 loops.
    assert sum(fetched) < 16 * (1 + 3 * 8) + 5 * 4 * 2 + 100
