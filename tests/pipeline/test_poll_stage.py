"""The poll stage: one bad record never costs the page, nothing vanishes, every pass is bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from syncd.clock import from_ms
from syncd.errors import SourceUnavailable
from syncd.model import CheckResult, Rejected, SourcePage, SurveyResponse
from syncd.pipeline.poll import PollResult, cursor_name, poll_source
from syncd.settings import SourceSettings
from syncd.store import cursors, quarantine
from syncd.store.schema import inbox
from syncd.store.schema import quarantine as quarantine_table

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=1)

Fetch = Callable[[datetime, datetime], Iterator[SourcePage]]


class StubSource:
    """A ``SurveySource`` whose listing is whatever the test's ``fetch`` yields."""

    name = "stub"
    max_window = timedelta(days=7)

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        return self._fetch(since, until)

    def check(self) -> tuple[CheckResult, ...]:
        return ()

    def close(self) -> None:
        pass


def _answer(response_id: str, email: str | None = "a@example.org") -> SurveyResponse:
    return SurveyResponse(
        source="stub",
        response_id=response_id,
        version=1,
        score=9,
        submitted_at=T0,
        updated_at=T0,
        email=email,
    )


def _settings(**overrides: object) -> SourceSettings:
    base = {"kind": "stub", "lag_seconds": 0, "initial_lookback_days": 1}  # one window
    return SourceSettings.model_validate(base | overrides)


def _poll(engine: Engine, fetch: Fetch, **settings: object) -> PollResult:
    return poll_source(engine, StubSource(fetch), _settings(**settings), now=NOW)


def _inbox_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(inbox.c.response_id)).scalars())


def _quarantined(engine: Engine) -> list[quarantine.QuarantinedItem]:
    with engine.connect() as conn:
        return list(quarantine.unresolved(conn))


def _watermark(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        ms = cursors.get_watermark(conn, cursor_name("stub"))
    return None if ms is None else from_ms(ms)


def test_a_record_the_store_refuses_is_quarantined_not_the_page(engine: Engine) -> None:
    page = SourcePage(
        (
            _answer("1"),
            _answer("2", email="dana\ud800@example.org"),
            _answer("3", email="dana\x00@example.org"),
            _answer("4"),
        )
    )
    result = _poll(engine, lambda since, until: iter([page]))
    refused = {item.response_id: item for item in _quarantined(engine)}
    # A lone surrogate is refused by both stores, a NUL byte by PostgreSQL only.
    assert {"1", "4"} <= _inbox_ids(engine) and "2" in refused
    assert ("3" in refused) != ("3" in _inbox_ids(engine))
    assert {item.reason_code for item in refused.values()} == {"unstorable"}
    assert all(
        item.reason.startswith("the store refused this response") for item in refused.values()
    )
    assert result.fetched == 4 and result.stored + result.rejected == 4
    assert _watermark(engine) == NOW  # the pass completed


def test_an_item_without_an_id_is_quarantined_once_across_passes(engine: Engine) -> None:
    def fetch(since: datetime, until: datetime) -> Iterator[SourcePage]:
        rejected = [Rejected("stub", None, "id is missing", f'{{"n": {n}}}') for n in range(3)]
        yield SourcePage((), tuple(rejected))

    first, second = _poll(engine, fetch), _poll(engine, fetch)
    assert (first.rejected, second.rejected) == (3, 0)
    assert len(_quarantined(engine)) == 3


def test_skipped_items_are_counted(engine: Engine) -> None:
    result = _poll(engine, lambda since, until: iter([SourcePage((_answer("1"),), skipped=4)]))
    assert (result.fetched, result.skipped) == (1, 4)


def _endless(since: datetime, until: datetime) -> Iterator[SourcePage]:
    """A listing that never ends; each page says the data is complete up to its second."""
    for n in range(10**9):
        yield SourcePage((_answer(f"e{n}"),), through=since + timedelta(seconds=n))


def test_a_pass_stops_at_its_page_bound_and_the_next_continues(engine: Engine) -> None:
    result = _poll(engine, _endless, max_pages_per_pass=5)
    assert (result.pages, result.stored) == (5, 5)
    assert result.cut_short == "max_pages_per_pass (5) reached"
    # Only as far as the stored pages say is complete, never to the window's end.
    first = _watermark(engine)
    assert first is not None and first < NOW
    _poll(engine, _endless, max_pages_per_pass=5)
    second = _watermark(engine)
    assert second is not None and first <= second < NOW


def test_a_source_that_cannot_say_how_far_it_got_keeps_the_cursor(engine: Engine) -> None:
    def no_progress(since: datetime, until: datetime) -> Iterator[SourcePage]:
        while True:
            yield SourcePage((_answer("1"),))

    _poll(engine, no_progress, max_pages_per_pass=3)
    assert _watermark(engine) is None


def test_a_listing_ended_early_does_not_move_the_cursor_to_the_window_end(
    engine: Engine,
) -> None:
    def stuck(since: datetime, until: datetime) -> Iterator[SourcePage]:
        yield SourcePage((_answer("1"),), through=T0)

    result = _poll(engine, stuck)
    assert _watermark(engine) == T0
    assert result.cut_short is not None and "incomplete" in result.cut_short


class _Hanging:
    """A source stuck inside its second request until the test lets it go."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()

    def __call__(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        yield SourcePage((_answer("1"),), through=since)
        self.inside.set()
        self.release.wait(timeout=60)
        yield SourcePage((_answer("2"),), through=until)


def test_stop_ends_the_pass_while_the_source_hangs(engine: Engine) -> None:
    hanging, stop = _Hanging(), threading.Event()

    def stop_once_inside() -> None:
        hanging.inside.wait(60)
        stop.set()

    threading.Thread(target=stop_once_inside, daemon=True).start()
    result = poll_source(engine, StubSource(hanging), _settings(), now=NOW, stop=stop)
    assert not hanging.release.is_set()  # returned while the source was still stuck
    hanging.release.set()
    assert (result.stored, result.cut_short) == (1, "stop requested")
    assert _inbox_ids(engine) == {"1"}


def test_the_pass_time_bound_holds_while_the_source_hangs(engine: Engine) -> None:
    hanging = _Hanging()
    result = _poll(engine, hanging, max_pass_seconds=0.3)
    assert not hanging.release.is_set()
    hanging.release.set()
    assert result.cut_short == "max_pass_seconds (0.3) reached"


def test_a_source_error_still_reaches_the_caller(engine: Engine) -> None:
    def failing(since: datetime, until: datetime) -> Iterator[SourcePage]:
        yield SourcePage((_answer("1"),), through=since)
        raise SourceUnavailable("Delighted failed (503)")

    with pytest.raises(SourceUnavailable):
        _poll(engine, failing)
    assert _inbox_ids(engine) == {"1"}  # the page read before the failure is kept


def test_quarantine_dedupes_on_payload_only_without_an_id(engine: Engine) -> None:
    with engine.begin() as conn:
        added = [
            quarantine.add(
                conn,
                source="stub",
                response_id=response_id,
                stage="poll",
                reason_code="malformed",
                reason="x",
                payload=payload,
                now_ms=0,
            )
            for response_id, payload in [(None, "a"), (None, "a"), (None, "b"), ("7", "a")]
        ]
        count = conn.execute(select(func.count()).select_from(quarantine_table)).scalar()
    assert (added, count) == ([True, False, True, True], 3)
