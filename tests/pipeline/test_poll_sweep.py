"""A pass reads the new answers first, then once more those an overlap old; none is skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from syncd.clock import from_ms, to_ms
from syncd.model import SourcePage
from syncd.pipeline.poll import Interleave, PollResult, cursor_name, poll_source, sweep_name
from syncd.store import cursors
from syncd.store.schema import inbox
from tests.pipeline.test_poll_stage import NOW, StubSource, _answer, _settings, _watermark

OVERLAP = timedelta(seconds=300)
W = NOW - timedelta(seconds=60)  # one interval behind "now": steady state
#: Where a steady pass starts reading: the span the last pass read as new, once more.
AGAIN = W - (NOW - W)
Window = tuple[datetime, datetime]


class Listing:
    """A source whose windows hold ``pages`` pages each; records every window asked for."""

    def __init__(self, pages: Callable[[Window], int] = lambda window: 1) -> None:
        self.pages = pages
        self.asked: list[Window] = []
        #: Called with each window as it is asked for (before any page is read).
        self.on_ask: Callable[[Window], None] = lambda window: None

    def __call__(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        self.asked.append((since, until))
        self.on_ask((since, until))
        count = self.pages((since, until))
        tag = f"{since.timestamp():.0f}"
        # Each page says the listing is complete up to its share of the window.
        step = (until - since) / count
        return iter(
            [
                SourcePage((_answer(f"{tag}-{n}"),), through=since + step * (n + 1))
                for n in range(count)
            ]
        )


def _at(engine: Engine, watermark: datetime, sweep: datetime | None = None) -> None:
    with engine.begin() as conn:
        cursors.advance(conn, cursor_name("stub"), to_ms(watermark), to_ms(watermark))
        if sweep is not None:
            cursors.advance(conn, sweep_name("stub"), to_ms(sweep), to_ms(sweep))


def _sweep(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        ms = cursors.get_watermark(conn, sweep_name("stub"))
    return None if ms is None else from_ms(ms)


def _poll(
    engine: Engine,
    listing: Listing,
    *,
    now: datetime = NOW,
    stop: threading.Event | None = None,
    interleave: Interleave | None = None,
    **settings: object,
) -> PollResult:
    options = _settings(**({"overlap_seconds": OVERLAP.total_seconds()} | settings))
    return poll_source(
        engine, StubSource(listing), options, now=now, stop=stop, interleave=interleave
    )


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(inbox)).scalar_one()


def test_a_steady_pass_reads_the_new_answers_then_those_an_overlap_old(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    listing = Listing()
    result = _poll(engine, listing)
    assert listing.asked == [(W, NOW), (AGAIN, W), (W - OVERLAP, NOW - OVERLAP)]
    assert (result.windows, result.pages, result.stored, result.cut_short) == (3, 3, 3, None)
    assert (_watermark(engine), _sweep(engine)) == (NOW, NOW - OVERLAP)


def test_a_store_without_a_sweep_cursor_starts_it_an_overlap_behind_the_cursor(
    engine: Engine,
) -> None:
    _at(engine, W)  # polled before the sweep existed: every pass re-read the whole overlap
    listing = Listing()
    _poll(engine, listing)
    assert listing.asked == [(W, NOW), (AGAIN, W), (W - OVERLAP, NOW - OVERLAP)]
    assert _sweep(engine) == NOW - OVERLAP


def _reads(engine: Engine, steps: list[int]) -> tuple[list[tuple[Window, datetime]], datetime]:
    """Passes ``steps`` seconds apart: every window asked for and when; the last pass's time."""
    listing = Listing()
    reads: list[tuple[Window, datetime]] = []
    at = NOW - timedelta(hours=1)
    for step in steps:
        at += timedelta(seconds=step)
        listing.asked.clear()
        _poll(engine, listing, now=at)
        reads += [(window, at) for window in listing.asked]
    return reads, at


def _times_read(
    reads: list[tuple[Window, datetime]], start: datetime, end: datetime
) -> Iterator[tuple[datetime, list[datetime]]]:
    """Every third second from ``start`` to ``end`` (a quarter second off the whole seconds
    that passes and windows start at), with the times of the passes that read it."""
    for seconds in range(0, int((end - start).total_seconds()), 3):
        instant = start + timedelta(seconds=seconds + 0.25)
        yield instant, [when for (since, until), when in reads if since < instant < until]


def test_passes_read_every_instant_and_once_more_when_it_is_an_overlap_old(
    engine: Engine,
) -> None:
    """Passes at uneven intervals, gaps longer than the overlap among them: every instant is
    read; if it was younger than the overlap then, once more an overlap or more after its time."""
    steps = [30, 60, 5, 5, 240, 61, 400, 1, 90, 300, 300, 7, 60, 60, 60, 600, 60, 5, 5]
    reads, last = _reads(engine, steps)
    first_pass = reads[0][1]
    for instant, times in _times_read(reads, first_pass - OVERLAP, last - OVERLAP):
        assert times, instant
        if times[0] - instant < OVERLAP:
            assert times[-1] - instant >= OVERLAP, instant
    assert _sweep(engine) == last - OVERLAP


@pytest.mark.parametrize("interval", [60, 5])
def test_passes_an_interval_apart_read_each_instant_three_times(
    engine: Engine, interval: int
) -> None:
    """New, by the next pass (an answer up to a pass late is caught at once), and an overlap
    old: three reads whatever the interval (re-reading the overlap every pass made it 6 at a
    60 s interval and 61 at 5 s)."""
    step = timedelta(seconds=interval)
    reads, last = _reads(engine, [interval] * (3 * int(OVERLAP / step)))
    settled = reads[0][1] + OVERLAP  # from the second overlap on
    for instant, times in _times_read(reads, settled, last - OVERLAP - 2 * step):
        new, after, old = times
        assert after - new == step, instant
        assert old - instant >= OVERLAP > after - instant, instant


def test_an_answer_a_pass_late_is_stored_by_the_next_pass(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    late = NOW - timedelta(seconds=10)
    shown: list[bool] = []  # it shows up at the source after the pass at NOW read past it

    def fetch(since: datetime, until: datetime) -> Iterator[SourcePage]:
        inside = shown and since <= late <= until
        return iter([SourcePage((_answer("late"),) if inside else (), through=until)])

    options = _settings(overlap_seconds=OVERLAP.total_seconds())
    poll_source(engine, StubSource(fetch), options, now=NOW)
    shown.append(True)
    poll_source(engine, StubSource(fetch), options, now=NOW + timedelta(seconds=60))
    assert _stored(engine) == 1


def test_a_later_answer_is_stored_by_the_pass_an_overlap_after_its_time(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    late = W - timedelta(seconds=10)  # two passes late: behind what the next pass reads again

    shown: list[bool] = []  # it shows up at the source after the first pass

    def fetch(since: datetime, until: datetime) -> Iterator[SourcePage]:
        inside = shown and since <= late <= until
        return iter([SourcePage((_answer("late"),) if inside else (), through=until)])

    options = _settings(overlap_seconds=OVERLAP.total_seconds())
    for at in (NOW, NOW + timedelta(seconds=60)):  # passes that read past it
        poll_source(engine, StubSource(fetch), options, now=at)
        shown.append(True)
    assert _stored(engine) == 0
    poll_source(engine, StubSource(fetch), options, now=late + OVERLAP + timedelta(seconds=60))
    assert _stored(engine) == 1


def test_a_pass_cut_short_in_the_second_read_keeps_its_place_there(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    listing = Listing(lambda window: 3 if window[1] == NOW - OVERLAP else 1)
    # A page of new answers, one read again, then one of the sweep's three: the bound ends it.
    result = _poll(engine, listing, max_pages_per_pass=3)
    assert result.cut_short == "max_pages_per_pass (3) reached"
    assert (result.windows, result.pages) == (2, 3)
    third = (NOW - W) / 3
    assert (_watermark(engine), _sweep(engine)) == (NOW, W - OVERLAP + third)
    again = Listing()
    _poll(engine, again)
    assert again.asked == [(W - OVERLAP + third, NOW - OVERLAP)]
    assert _sweep(engine) == NOW - OVERLAP


def test_a_stop_during_the_second_read_keeps_the_sweep_cursor(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    stop, listing = threading.Event(), Listing()
    listing.on_ask = lambda window: stop.set() if window[1] < W else None
    result = _poll(engine, listing, stop=stop)
    assert (result.cut_short, result.windows, result.stored) == ("stop requested", 2, 2)
    assert (_watermark(engine), _sweep(engine)) == (NOW, W - OVERLAP)


def test_a_listing_incomplete_in_the_new_answers_moves_neither_past_it(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    asked: list[Window] = []

    def stuck(since: datetime, until: datetime) -> Iterator[SourcePage]:
        asked.append((since, until))
        yield SourcePage((_answer("1"),), through=since + timedelta(seconds=10))

    result = _poll(engine, stuck)  # type: ignore[arg-type]
    assert result.cut_short is not None and "incomplete" in result.cut_short
    assert asked == [(W, NOW)]  # the pass ends there
    assert (_watermark(engine), _sweep(engine)) == (W + timedelta(seconds=10), W - OVERLAP)


@pytest.mark.parametrize(
    ("watermark", "sweep", "overlap", "asked", "sweep_after"),
    [
        (None, None, OVERLAP, [(NOW - timedelta(days=1), NOW)], NOW - OVERLAP),
        (W, None, timedelta(0), [(W, NOW)], NOW),
        # Nothing new yet: only what became an overlap old since the last pass.
        (
            NOW,
            NOW - OVERLAP - timedelta(seconds=5),
            OVERLAP,
            [(NOW - OVERLAP - timedelta(seconds=5), NOW - OVERLAP)],
            NOW - OVERLAP,
        ),
        # An hour behind: one span from an overlap behind the cursor, all of it old by now.
        (
            NOW - timedelta(hours=1),
            None,
            OVERLAP,
            [(NOW - timedelta(hours=1) - OVERLAP, NOW)],
            NOW - OVERLAP,
        ),
    ],
    ids=["never-polled", "no-overlap", "up-to-date", "catching-up"],
)
def test_the_spans_of_other_passes(
    engine: Engine,
    watermark: datetime | None,
    sweep: datetime | None,
    overlap: timedelta,
    asked: list[Window],
    sweep_after: datetime,
) -> None:
    if watermark is not None:
        _at(engine, watermark, sweep)
    listing = Listing()
    _poll(engine, listing, overlap_seconds=overlap.total_seconds())
    assert listing.asked == asked
    assert (_watermark(engine), _sweep(engine)) == (NOW, sweep_after)


def test_catching_up_moves_the_cursor_page_by_page(engine: Engine) -> None:
    behind = NOW - timedelta(hours=1)
    _at(engine, behind)
    result = _poll(engine, Listing(lambda window: 4), max_pages_per_pass=1)
    assert result.cut_short == "max_pages_per_pass (1) reached"
    # The first of four pages covers a quarter of [behind - overlap, now].
    assert _watermark(engine) == behind - OVERLAP + (NOW - behind + OVERLAP) / 4
    assert _sweep(engine) is None


def test_the_interleave_runs_after_every_new_page_then_by_slices_in_the_second_read(
    engine: Engine,
) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    stored_when_run: list[int] = []
    interleave = Interleave(lambda: stored_when_run.append(_stored(engine)), every_pages=2)
    _poll(engine, Listing(lambda window: 3), interleave=interleave)
    # Each of the three new pages is planned before the next is read; the re-reads' slices of
    # two count from the end of the new answers.
    assert stored_when_run == [1, 2, 3, 5, 7, 9]


def test_the_interleave_runs_after_any_page_once_it_is_due(engine: Engine) -> None:
    _at(engine, W, sweep=W - OVERLAP)
    stored_when_run: list[int] = []
    pushed = iter([False, False, True] + [False] * 5)  # asked after each page read again
    interleave = Interleave(
        lambda: stored_when_run.append(_stored(engine)), every_pages=20, due=lambda: next(pushed)
    )
    listing = Listing(lambda window: 1 if window[1] == NOW else 4)
    _poll(engine, listing, interleave=interleave)
    assert stored_when_run == [1, 4]  # the new page (eager), then the third of the four
