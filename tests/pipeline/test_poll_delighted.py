"""Polling the Delighted fake into a real store: hostile records cost nothing but themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from connectors.sources.delighted import DelightedSettings, DelightedSource
from connectors.sources.delighted.fake import DelightedFake
from syncd.pipeline.poll import PollResult, poll_source
from syncd.sandbox.http import LoopbackServer
from syncd.settings import SourceSettings
from syncd.store import quarantine
from syncd.store.schema import inbox

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
#: Younger than the overlap at the first pass: the next pass, an overlap later, reads it again.
AT = NOW - timedelta(minutes=1)
OVERLAP = timedelta(seconds=300)


@pytest.fixture
def fake() -> Iterator[tuple[DelightedFake, str]]:
    fake = DelightedFake("key", clock=lambda: NOW)
    with LoopbackServer(fake) as server:
        yield fake, f"{server.base_url}/v1"


def _poll(engine: Engine, base_url: str, overlaps_later: int = 0) -> PollResult:
    """One pass at ``NOW`` plus ``overlaps_later`` overlaps (each re-reads the one before)."""
    settings = DelightedSettings.model_validate(
        {"base_url": base_url, "api_key": "key", "page_size": 10, "requests_per_second": 1000}
    )
    source = DelightedSource("delighted", settings, clock=lambda: NOW)
    try:
        options = SourceSettings(
            kind="delighted",
            lag_seconds=0,
            overlap_seconds=OVERLAP.total_seconds(),
            initial_lookback_days=1,
        )
        return poll_source(engine, source, options, now=NOW + overlaps_later * OVERLAP)
    finally:
        source.close()


def _inbox_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(inbox.c.response_id)).scalars())


def _reasons(engine: Engine) -> list[tuple[str | None, str]]:
    with engine.connect() as conn:
        return [(item.response_id, item.reason) for item in quarantine.unresolved(conn)]


def test_a_lone_surrogate_in_an_id_or_email_is_quarantined_and_the_pass_goes_on(
    engine: Engine, fake: tuple[DelightedFake, str]
) -> None:
    delighted, base_url = fake
    good = delighted.add_response(email="dana@example.org", score=9, created_at=AT)
    delighted.add_response(
        email="x@example.org", score=9, created_at=AT, overrides={"id": "\ud800"}
    )
    bad_email = delighted.add_response(email="dana\ud800@example.org", score=3, created_at=AT)
    result = _poll(engine, base_url)
    again = _poll(engine, base_url, 1)  # the same records come back in the second read
    assert (again.fetched, again.stored) == (1, 0)  # read again, already stored
    assert _inbox_ids(engine) == {good}
    reasons = dict(_reasons(engine))
    assert set(reasons) == {None, bad_email}
    assert "broken Unicode" in reasons[None] and "broken Unicode" in reasons[bad_email]
    assert (result.rejected, again.rejected, result.cut_short) == (2, 0, None)


def test_blank_ids_never_hide_other_records(
    engine: Engine, fake: tuple[DelightedFake, str]
) -> None:
    delighted, base_url = fake
    for n in range(25):
        blank = ["", "   "][n % 2]
        delighted.add_response(
            email=f"r{n}@example.org", score=n % 11, created_at=AT, overrides={"id": blank}
        )
    first, second = _poll(engine, base_url), _poll(engine, base_url, 1)
    # The new answers' two empty listings, then the same pages again.
    assert second.pages == first.pages + 2
    reasons = _reasons(engine)
    assert len(reasons) == 25 and {rid for rid, _ in reasons} == {None}
    assert all(reason.endswith("is blank") for _, reason in reasons)
    assert (first.rejected, second.rejected) == (25, 0)


def test_records_without_an_id_are_quarantined_once(
    engine: Engine, fake: tuple[DelightedFake, str]
) -> None:
    delighted, base_url = fake
    for n in range(3):
        response_id = delighted.add_response(email=f"r{n}@example.org", score=7, created_at=AT)
        record = delighted.responses()[int(response_id) - 1]
        delighted.add_response(
            email=None, score=7, created_at=AT, overrides={**record, "id": None, "score": 7}
        )
    results = [_poll(engine, base_url, later) for later in (0, 1, 1, 2)]
    assert len(_reasons(engine)) == 3
    # The second pass reads them again; the third and fourth find nothing left to read.
    assert [result.fetched for result in results] == [3, 3, 0, 0]
    assert [result.rejected for result in results] == [3, 0, 0, 0]


def test_a_future_updated_at_never_blocks_the_real_update_after_it(
    engine: Engine, fake: tuple[DelightedFake, str]
) -> None:
    delighted, base_url = fake
    future = int((NOW + timedelta(days=400)).timestamp())
    response_id = delighted.add_response(
        email="dana@example.org", score=4, created_at=AT, overrides={"updated_at": future}
    )
    _poll(engine, base_url)
    assert "is in the future" in dict(_reasons(engine))[response_id]
    # Stamped behind the cursor, as a late record is: the second read, an overlap on, finds it.
    real = NOW - timedelta(seconds=30)
    delighted.update_response(response_id, comment="Support never called back", at=real)
    _poll(engine, base_url, 1)
    with engine.connect() as conn:
        version = conn.execute(select(inbox.c.version)).scalar_one()
    assert version == int(real.timestamp())
