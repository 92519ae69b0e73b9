"""Polling a Typeform source: the cursor stays behind the ~30 minutes the listing lags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from connectors.sources.typeform import TypeformSettings, TypeformSource
from connectors.sources.typeform.fake import TypeformFake
from syncd.clock import from_ms
from syncd.pipeline.poll import cursor_name, poll_source
from syncd.sandbox.http import LoopbackServer
from syncd.settings import SourceSettings
from syncd.store import cursors
from syncd.store.schema import inbox

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


class Clock:
    """One wall clock for the fake and the source, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_an_answer_listed_late_is_still_polled(engine: Engine) -> None:
    clock = Clock()
    fake = TypeformFake("tok", clock=clock)  # Typeform's own ~30-minute lag
    late = fake.add_response(email="a@example.org", score=3, created_at=NOW - timedelta(minutes=20))
    # lag_seconds 0 in the config: the source's visibility lag must hold the cursor back anyway.
    core = SourceSettings(kind="typeform", lag_seconds=0, overlap_seconds=300)
    with LoopbackServer(fake) as server:
        settings = TypeformSettings(
            base_url=server.base_url, access_token="tok", forms=("aB12cD",), nps_ref="nps"
        )
        source = TypeformSource("typeform", settings, clock=clock)
        first = poll_source(engine, source, core, now=clock.now)
        with engine.begin() as conn:
            watermark = cursors.get_watermark(conn, cursor_name("typeform"))
        clock.now += timedelta(minutes=15)  # now the listing shows it
        second = poll_source(engine, source, core, now=clock.now)
        source.close()

    assert watermark is not None and from_ms(watermark) == NOW - timedelta(minutes=30)
    assert (first.stored, second.stored) == (0, 1)
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 1
        assert conn.execute(select(inbox.c.response_id)).scalar() == late
