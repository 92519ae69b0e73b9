"""Run syncd against the seeded fakes for each store and size; print one table.

``python -m bench.run``: sizes from ``BENCH_SIZES`` (default ``1000,10000``; add ``1000000`` only
with ``--million``), stores from ``BENCH_STORES`` (default ``sqlite,postgresql``). Each run gets
its own fakes process and a fresh store (a new PostgreSQL database, dropped afterwards), then
times ``syncd run --once`` as a child process: wall time, its CPU and peak RSS from its rusage;
then ``syncd report`` on the same store, its time and peak RSS. syncd's modules are compiled to
bytecode first, as the container image ships them: a source checkout (the editable install,
``PYTHONDONTWRITEBYTECODE``) would otherwise compile them again in every child.

The latency percentiles are seconds from the child's start to the CRM fake's creation of the
first task, and of 10%, 50% and 95% of all tasks: a backfill that delivers from the start has
its first task within one interval (5 s here) and its 10% mark near a tenth of the run's time.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stores import Store, fresh_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = "1000,10000"


@dataclass(frozen=True, slots=True)
class Measured:
    """One run's figures."""

    store: str
    answers: int
    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    crm_calls: dict[str, int]
    source_calls: int
    tasks: int
    exit_code: int
    report_seconds: float
    report_rss_mb: float
    #: Seconds from syncd's start until the first, 10%, 50% and 95% of the tasks existed.
    task_latency: tuple[float | None, ...]


def _config(urls: dict[str, str], data_dir: Path, database_url: str) -> str:
    return f"""
[daemon]
data_dir = "{data_dir}"
database_url = "{database_url}"
interval_seconds = 5
timezone = "Europe/Berlin"
log_level = "error"

[sources.delighted]
kind = "delighted"
base_url = "{urls["source"]}"
api_key = "sandbox-key"
lag_seconds = 0
overlap_seconds = 300
initial_lookback_days = 14
max_pages_per_pass = 1000000
max_pass_seconds = 100000
# The fake lifts its limits, so syncd's own politeness limit (2 a second by default, as Delighted
# publishes none) is lifted too: the benchmark measures syncd, not a sleep between pages.
requests_per_second = 10000

[crm]
kind = "hubspot"
name = "hubspot"
base_url = "{urls["crm"]}"
access_token = "sandbox-token"
match_contacts_by = ["email", "external_id:customer_id"]
# Lifted as the fake's are: at HubSpot's own 190 calls per 10 s (80% of it by default) the
# ceiling would be the portal's (about 380 answers a second at four calls per 100), not syncd's.
ten_second_limit = 1000000
search_per_second = 1000

[delivery]
lease_seconds = 600

[routing]
fallback_owner = "sam@acme.example"
"""


def measure(store: Store, answers: int, work: Path) -> Measured:
    """Seed fakes with ``answers``, run one syncd pass against them, collect the figures."""
    stats = work / "fakes.json"
    fakes = subprocess.Popen(
        [sys.executable, "-m", "bench.fakes", "--responses", str(answers), "--stats", str(stats)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert fakes.stdout is not None
        urls = json.loads(fakes.stdout.readline())
        config = work / "syncd.toml"
        config.write_text(_config(urls, work / "data", store.url), encoding="utf-8")
        launched_ms = time.time() * 1000  # wall clock: the fakes stamp tasks with it
        seconds, code, usage = _run_syncd(config, "run", "--once")
        report_seconds, _, report_usage = _run_syncd(config, "report", "-o", str(work / "r.txt"))
    finally:
        fakes.send_signal(signal.SIGTERM)
        fakes.wait(timeout=120)
        if fakes.stdout is not None:
            fakes.stdout.close()
    calls = json.loads(stats.read_text(encoding="utf-8"))
    return Measured(
        store=store.kind,
        answers=answers,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        crm_calls=calls["crm"],
        source_calls=calls["source"],
        tasks=calls["tasks"],
        exit_code=code,
        report_seconds=report_seconds,
        report_rss_mb=report_usage.ru_maxrss / 1024,
        task_latency=since_start(calls["task_times"], launched_ms),
    )


def since_start(times: dict[str, int | None], launched_ms: float) -> tuple[float | None, ...]:
    """Seconds from ``launched_ms`` to the first, p10, p50 and p95 task (None: no tasks)."""
    marks = (times[mark] for mark in ("first", "p10", "p50", "p95"))
    return tuple(None if at is None else (at - launched_ms) / 1000 for at in marks)


def _run_syncd(config: Path, *command: str) -> tuple[float, int, resource.struct_rusage]:
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "syncd.cli", *command, "--config", str(config)], cwd=ROOT
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - started, child.returncode, usage


def table(rows: list[Measured]) -> str:
    """The figures as one Markdown table; CRM calls per 100 answers by endpoint."""
    head = (
        "| store | answers | answers/s | CPU s / 1k | peak RSS MB | tasks | source calls / 100 "
        "| latency percentiles s: first / p10 / p50 / p95 task "
        "| CRM calls / 100 by endpoint | exit | report s | report RSS MB |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
    )
    lines = [head]
    for row in rows:
        per = 100 / row.answers
        crm = ", ".join(
            f"{endpoint} {count * per:.1f}" for endpoint, count in sorted(row.crm_calls.items())
        )
        lines.append(
            f"| {row.store} | {row.answers:,} | {row.answers / row.seconds:,.0f} "
            f"| {row.cpu_seconds * 1000 / row.answers:.2f} | {row.max_rss_mb:.0f} | {row.tasks:,} "
            f"| {row.source_calls * per:.1f} | {_latency(row.task_latency)} "
            f"| {crm} | {row.exit_code} "
            f"| {row.report_seconds:.1f} | {row.report_rss_mb:.0f} |"
        )
    return "\n".join(lines)


def cost_growth(rows: list[Measured]) -> list[str]:
    """Per store, CPU per answer at its largest size against its smallest: flat cost is 1.0.

    The smallest run carries the process's start (about 1 s of CPU), so a ratio near or below
    1 shows the cost per answer does not grow with history.
    """
    lines = []
    for store in dict.fromkeys(row.store for row in rows):
        runs = sorted((row for row in rows if row.store == store), key=lambda row: row.answers)
        if len(runs) > 1:
            small, large = runs[0], runs[-1]
            ratio = (large.cpu_seconds / large.answers) / (small.cpu_seconds / small.answers)
            lines.append(
                f"{store}: CPU per answer at {large.answers:,} : at {small.answers:,} = {ratio:.2f}"
            )
    return lines


def _latency(marks: tuple[float | None, ...]) -> str:
    return " / ".join("-" if mark is None else f"{mark:.1f}" for mark in marks)


def main() -> None:
    """Measure every store and size, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--million", action="store_true", help="Add a 1,000,000-answer run.")
    args = parser.parse_args()
    sizes = [int(size) for size in os.environ.get("BENCH_SIZES", DEFAULT_SIZES).split(",")]
    if args.million:
        sizes.append(1_000_000)
    stores = os.environ.get("BENCH_STORES", "sqlite,postgresql").split(",")
    for package in ("syncd", "connectors"):
        compileall.compile_dir(ROOT / package, quiet=1)
    rows = []
    for kind in stores:
        for size in sizes:
            with (
                tempfile.TemporaryDirectory(prefix="syncd-bench-") as tmp,
                fresh_store(kind, Path(tmp)) as store,
            ):
                rows.append(measure(store, size, Path(tmp)))
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(rows))
    print("\n".join(cost_growth(rows)))


if __name__ == "__main__":
    main()
