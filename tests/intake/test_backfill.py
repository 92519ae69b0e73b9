"""``syncd backfill``: a resumable read of one source from a date, apart from the daemon."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from connectors.sources.delighted import DelightedSettings, DelightedSource
from connectors.sources.delighted.fake import DelightedFake
from syncd.cli import app
from syncd.errors import SourceUnavailable
from syncd.intake.backfill import MAX_FAILURES, Backfill, backfill_cursor, run_backfill
from syncd.pipeline.poll import cursor_name
from syncd.sandbox.http import LoopbackServer
from syncd.settings import SourceSettings
from syncd.store import cursors
from tests.intake.support import inbox_rows

KEY = "backfill-key"
NOW = datetime.now(UTC).replace(microsecond=0)
SINCE = NOW - timedelta(days=40)
SETTINGS = SourceSettings(kind="delighted", lag_seconds=0, overlap_seconds=60)


@pytest.fixture
def fake() -> DelightedFake:
    fake = DelightedFake(KEY)
    for day in range(0, 60, 2):  # 30 answers over 60 days; the last 20 are after SINCE
        fake.add_response(
            email=f"p{day}@example.org",
            score=day % 11,
            created_at=NOW - timedelta(days=60 - day) + timedelta(hours=1),
        )
    return fake


@pytest.fixture
def server(fake: DelightedFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


Sleeps = list[float]


def _source(server: LoopbackServer, sleeps: Sleeps | None = None, **extra: Any) -> DelightedSource:
    values = {
        "base_url": f"{server.base_url}/v1",
        "api_key": KEY,
        "page_size": 3,
        "requests_per_second": 1000,
    }
    settings = DelightedSettings.model_validate(values | extra)
    record = sleeps.append if sleeps is not None else (lambda _: None)
    return DelightedSource("delighted", settings, sleep=record)


def _run(
    engine: Engine, source: DelightedSource, since: datetime = SINCE, **options: Any
) -> Backfill:
    try:
        return run_backfill(engine, source, SETTINGS, since=since, now=NOW, **options)
    finally:
        source.close()


def _watermark(engine: Engine, name: str) -> int | None:
    with engine.connect() as conn:
        return cursors.get_watermark(conn, name)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_reads_everything_since_the_date_and_leaves_the_daemon_cursor(
    engine: Engine, server: LoopbackServer
) -> None:
    seen: list[datetime] = []
    done = _run(engine, _source(server), on_page=lambda p: seen.append(p.through))

    assert done.done and done.stored == len(inbox_rows(engine)) == 20
    assert seen == sorted(seen) and seen[-1] == NOW  # progress only moves forward, to the end
    assert _watermark(engine, backfill_cursor("delighted", SINCE)) == int(NOW.timestamp() * 1000)
    assert _watermark(engine, cursor_name("delighted")) is None


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_interrupted_backfill_continues_where_it_stopped(
    engine: Engine, server: LoopbackServer, fake: DelightedFake
) -> None:
    stop = threading.Event()

    def stop_after_some(progress: Backfill) -> None:
        if progress.pages >= 4:
            stop.set()

    first = _run(engine, _source(server), stop=stop, on_page=stop_after_some)
    assert not first.done and first.cut_short == "stop requested"
    assert 0 < len(inbox_rows(engine)) < 20
    fake.requests.clear()

    second = _run(engine, _source(server))

    assert second.done and len(inbox_rows(engine)) == 20
    assert second.start == SINCE and second.through == NOW
    earliest = min(int(q["since"][0]) for q in fake.requests if "since" in q)
    assert earliest >= int(first.through.timestamp()) - 60  # from its cursor, less the overlap


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_another_start_date_is_another_backfill(engine: Engine, server: LoopbackServer) -> None:
    _run(engine, _source(server))
    earlier = _run(engine, _source(server), SINCE - timedelta(days=30))
    assert earlier.done and len(inbox_rows(engine)) == 30


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_rate_limits_are_waited_out_as_the_vendor_asks(
    engine: Engine, server: LoopbackServer, fake: DelightedFake
) -> None:
    fake.inject(429, times=3, retry_after=7)
    inline: Sleeps = []
    waits: Sleeps = []

    done = _run(engine, _source(server, inline, max_retries=1), sleep=waits.append)

    assert done.done and len(inbox_rows(engine)) == 20
    assert inline == [7.0, 7.0]  # the source's own retry first...
    assert waits == [7.0] and done.retries == 1  # ...then the backfill waits and continues


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_outage_that_does_not_end_is_raised_with_the_cursor_kept(
    engine: Engine, server: LoopbackServer, fake: DelightedFake
) -> None:
    pages = 0

    def fail_after_two_pages(progress: Backfill) -> None:
        nonlocal pages
        pages += 1
        if pages == 2:
            fake.inject(503, times=100)

    waits: Sleeps = []
    with pytest.raises(SourceUnavailable):
        _run(
            engine, _source(server, max_retries=0), on_page=fail_after_two_pages, sleep=waits.append
        )

    assert len(waits) == MAX_FAILURES - 1 and waits == sorted(waits)
    assert _watermark(engine, backfill_cursor("delighted", SINCE)) is not None


def test_the_command_shows_progress_and_a_summary(tmp_path: Path, server: LoopbackServer) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(
        f"""
[daemon]
data_dir = "{tmp_path / "data"}"
[sources.delighted]
kind = "delighted"
base_url = "{server.base_url}/v1"
api_key = "{KEY}"
lag_seconds = 0
[crm]
kind = "hubspot"
access_token = "t"
""",
        encoding="utf-8",
    )
    since = SINCE.strftime("%Y-%m-%d")
    args = ["backfill", "--source", "delighted", "--since", since, "--config", str(config)]

    first = CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    unknown = CliRunner().invoke(app, [*args[:2], "nope", *args[3:]])

    assert first.exit_code == 0, first.output
    assert f"backfill of delighted from {since}: complete" in first.stdout
    assert "answer(s) stored" in first.stdout and "0 answer(s) stored" in again.stdout
    assert unknown.exit_code == 2 and "not an enabled" in unknown.stderr


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_source_that_publishes_late_is_read_only_as_far_as_it_shows(
    engine: Engine, server: LoopbackServer
) -> None:
    source = _source(server)
    source.visibility_lag = timedelta(minutes=30)  # type: ignore[attr-defined]

    done = _run(engine, source)

    assert done.done and done.end == NOW - timedelta(minutes=30)
    assert _watermark(engine, backfill_cursor("delighted", SINCE)) == int(
        (NOW - timedelta(minutes=30)).timestamp() * 1000
    )
