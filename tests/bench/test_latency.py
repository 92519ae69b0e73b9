"""The benchmarks' latency figures: the percentile arithmetic, the fakes' task times, the stream.

Runs the measuring code at a tiny size and checks that every figure is there and consistent;
how fast anything is stays the benchmark's business (no thresholds here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.latency import Spread, percentile, task_times
from bench.run import Measured, cost_growth, measure, table
from bench.steady import Options, run
from bench.stores import fresh_store


def test_percentiles_are_nearest_rank_values_that_occurred() -> None:
    values = [float(v) for v in range(20, 0, -1)]  # unordered on purpose

    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile(values, 10) == 2.0
    assert percentile(values, 100) == 20.0
    assert percentile([7.5], 1) == 7.5
    assert Spread.of([3.0, 1.0, 2.0]) == Spread(count=3, p50=2.0, p95=3.0, max=3.0)
    assert Spread.of([]) is None


@pytest.mark.parametrize("q", [0, 101, -5])
def test_a_percentile_outside_the_range_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="not in"):
        percentile([1.0], q)


def test_task_times_come_from_each_tasks_creation_stamp() -> None:
    stamps = ["2026-12-01T10:00:03.500Z", "2026-12-01T10:00:01.000Z", "2026-12-01T10:00:02.250Z"]
    tasks = [{"properties": {"hs_createdate": stamp}} for stamp in stamps]

    times = task_times(tasks)

    first = 1_796_119_201_000  # 2026-12-01T10:00:01Z in epoch ms
    assert times == {
        "count": 3,
        "first": first,
        "p10": first,
        "p50": first + 1250,
        "p95": first + 2500,
        "last": first + 2500,
    }
    assert task_times([])["first"] is None


@pytest.mark.slow
def test_the_bench_run_reports_when_tasks_appeared(tmp_path: Path) -> None:
    with fresh_store("sqlite", tmp_path) as store:
        row = measure(store, 30, tmp_path)

    first, p10, p50, p95 = row.task_latency
    assert row.tasks > 0 and row.exit_code == 0
    assert first is not None and p10 is not None and p50 is not None and p95 is not None
    assert 0 < first <= p10 <= p50 <= p95 <= row.seconds
    assert "latency percentiles" in table([row])


@pytest.mark.slow
def test_the_steady_stream_times_every_answer_polled_pushed_and_closed() -> None:
    options = Options(rate=5, interval=1, seconds=2, idle=0, pushed=0.5, completed=0.5)

    # The test run owns logging: configuring it here would filter other tests' captured lines.
    outcome = run(options, {"SYNCD__TRACKING__INTERVAL_SECONDS": "0"}, logs=False)

    answers = outcome.answers
    pushed = [a for a in answers if a.pushed]
    completed = [a for a in answers if a.complete]
    assert len(answers) == 10 and pushed and len(pushed) < len(answers) and completed
    assert all(a.task_ms is not None and a.task_ms > a.arrived_ms for a in answers)
    polled_spread, pushed_spread = outcome.polled(), outcome.pushed()
    assert polled_spread is not None and polled_spread.count == len(answers) - len(pushed)
    assert pushed_spread is not None and pushed_spread.count == len(pushed)
    closed = outcome.closed()
    assert closed is not None and closed.count == len(completed)
    assert closed.p50 <= closed.p95 <= closed.max
    text = "\n".join(outcome.lines())
    assert "webhook -> task" in text and "loop closed" in text


def test_cost_growth_compares_each_stores_largest_run_with_its_smallest() -> None:
    def run(store: str, answers: int, cpu: float) -> Measured:
        return Measured(store, answers, 1.0, cpu, 100.0, {}, 0, 0, 0, 0.0, 0.0, (None,) * 4)

    rows = [run("sqlite", 1_000, 2.0), run("sqlite", 1_000_000, 1_500.0), run("pg", 1_000, 1.0)]
    assert cost_growth(rows) == ["sqlite: CPU per answer at 1,000,000 : at 1,000 = 0.75"]
