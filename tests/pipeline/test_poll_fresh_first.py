"""In steady state a pass reads the new answers before the overlap, and never skips any."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from syncd.clock import to_ms
from syncd.model import SourcePage
from syncd.pipeline.poll import Interleave, PollResult, cursor_name, poll_source
from syncd.store import cursors
from syncd.store.schema import inbox
from tests.pipeline.test_poll_stage import NOW, StubSource, _answer, _settings, _watermark

OVERLAP = timedelta(seconds=300)
W = NOW - timedelta(seconds=60)  # one interval behind "now": steady state
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


def _at(engine: Engine, watermark: datetime) -> None:
    with engine.begin() as conn:
        cursors.advance(conn, cursor_name("stub"), to_ms(watermark), to_ms(watermark))


def _poll(
    engine: Engine,
    listing: Listing,
    *,
    stop: threading.Event | None = None,
    interleave: Interleave | None = None,
    **settings: object,
) -> PollResult:
    options = _settings(**({"overlap_seconds": OVERLAP.total_seconds()} | settings))
    return poll_source(
        engine, StubSource(listing), options, now=NOW, stop=stop, interleave=interleave
    )


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(inbox)).scalar_one()


def test_a_steady_pass_reads_the_new_answers_first_then_the_overlap(engine: Engine) -> None:
    _at(engine, W)
    listing = Listing()
    result = _poll(engine, listing)
    assert listing.asked == [(W, NOW), (W - OVERLAP, W)]
    assert (result.windows, result.pages, result.stored, result.cut_short) == (2, 2, 2, None)
    assert _watermark(engine) == NOW  # both phases read: the cursor moves to "now - lag"


def test_a_pass_cut_short_in_the_overlap_keeps_the_cursor_and_the_next_rereads_it(
    engine: Engine,
) -> None:
    _at(engine, W)
    listing = Listing(lambda window: 1 if window[0] == W else 3)
    # One page of new answers, then one of the overlap's three: the bound ends the pass there.
    result = _poll(engine, listing, max_pages_per_pass=2)
    assert result.cut_short == "max_pages_per_pass (2) reached"
    assert (result.windows, result.pages) == (1, 2)
    assert _watermark(engine) == W
    again = Listing()
    _poll(engine, again)
    assert again.asked == [(W, NOW), (W - OVERLAP, W)]
    assert _watermark(engine) == NOW


def test_a_stop_during_the_overlap_keeps_the_cursor(engine: Engine) -> None:
    _at(engine, W)
    stop, listing = threading.Event(), Listing()
    listing.on_ask = lambda window: stop.set() if window[0] < W else None
    result = _poll(engine, listing, stop=stop)
    assert (result.cut_short, result.windows, result.stored) == ("stop requested", 1, 1)
    assert _watermark(engine) == W


def test_a_listing_incomplete_in_the_new_answers_keeps_the_cursor(engine: Engine) -> None:
    _at(engine, W)

    def stuck(since: datetime, until: datetime) -> Iterator[SourcePage]:
        yield SourcePage((_answer("1"),), through=since + timedelta(seconds=10))

    result = poll_source(engine, StubSource(stuck), _settings(), now=NOW)
    assert result.cut_short is not None and "incomplete" in result.cut_short
    assert _watermark(engine) == W  # not W + 10 s: the overlap behind it is still unread


@pytest.mark.parametrize(
    ("watermark", "overlap", "first"),
    [
        (NOW - OVERLAP - timedelta(seconds=1), OVERLAP, NOW - 2 * OVERLAP - timedelta(seconds=1)),
        (None, OVERLAP, NOW - timedelta(days=1)),
        (W, timedelta(0), W),
        (NOW, OVERLAP, NOW - OVERLAP),  # nothing new yet: the overlap alone, as before
    ],
    ids=["catching-up", "never-polled", "no-overlap", "up-to-date"],
)
def test_otherwise_a_pass_reads_one_ascending_span(
    engine: Engine, watermark: datetime | None, overlap: timedelta, first: datetime
) -> None:
    if watermark is not None:
        _at(engine, watermark)
    listing = Listing()
    _poll(engine, listing, overlap_seconds=overlap.total_seconds())
    assert listing.asked == [(first, NOW)]


def test_catching_up_moves_the_cursor_page_by_page(engine: Engine) -> None:
    behind = NOW - timedelta(hours=1)
    _at(engine, behind)
    result = _poll(engine, Listing(lambda window: 4), max_pages_per_pass=1)
    assert result.cut_short == "max_pages_per_pass (1) reached"
    # The first of four pages covers a quarter of [behind - overlap, now].
    assert _watermark(engine) == behind - OVERLAP + (NOW - behind + OVERLAP) / 4


def test_the_interleave_runs_after_every_new_page_then_by_slices_in_the_overlap(
    engine: Engine,
) -> None:
    _at(engine, W)
    stored_when_run: list[int] = []
    interleave = Interleave(lambda: stored_when_run.append(_stored(engine)), every_pages=2)
    _poll(engine, Listing(lambda window: 3), interleave=interleave)
    # Each of the three new pages is planned before the next is read; the overlap's slices of
    # two count from the end of the new answers.
    assert stored_when_run == [1, 2, 3, 5]
