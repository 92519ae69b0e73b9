"""What every registered survey source must do, run against each one's fake.

The properties the poll stage relies on: a listing ends, ``through`` never moves backwards nor
past what was yielded, a replayed window brings nothing new, answers tied on a boundary second
are neither lost nor doubled, an answer changed while paging is not skipped, vendor errors map
to the core's error types, 429 with Retry-After is honoured, and a page served again is caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from syncd.contracts import SurveySource
from syncd.errors import SourceAuthError, SourceError, SourceRejected, SourceUnavailable
from syncd.model import SourcePage
from tests.contracts.adapters import SourceAdapter

T0 = datetime(2024, 6, 1, tzinfo=UTC)
PAGE = 20


def _seed(kit: SourceAdapter, count: int, *, at: datetime = T0, step: int = 60) -> list[str]:
    return [
        kit.fake.add_response(
            email=f"r{i}@example.org", score=i % 11, created_at=at + timedelta(seconds=step * i)
        )
        for i in range(count)
    ]


def _fetch(source: SurveySource, since: datetime, until: datetime) -> Iterator[SourcePage]:
    with closing(source):
        yield from source.fetch(since, until)


def _ids(pages: list[SourcePage]) -> Counter[str]:
    return Counter(r.response_id for page in pages for r in page.responses)


def test_pagination_ends_with_every_answer_of_the_window(source_kit: SourceAdapter) -> None:
    ids = _seed(source_kit, 3 * PAGE + 5)
    _seed(source_kit, 3, at=T0 + timedelta(days=2))  # outside the window

    pages = list(_fetch(source_kit.source(page_size=PAGE), T0, T0 + timedelta(days=1)))

    assert set(_ids(pages)) == set(ids)
    assert pages[-1].through == T0 + timedelta(days=1)  # a finished window is complete


def test_through_never_moves_backwards_nor_past_what_was_yielded(
    source_kit: SourceAdapter,
) -> None:
    ids = _seed(source_kit, 4 * PAGE, step=7)
    times = {rid: T0 + timedelta(seconds=7 * i) for i, rid in enumerate(ids)}
    until = T0 + timedelta(days=1)

    pages = list(_fetch(source_kit.source(page_size=PAGE), T0, until))

    marks = [page.through for page in pages if page.through is not None]
    assert marks == sorted(marks) and all(mark <= until for mark in marks)
    seen: set[str] = set()
    for page in pages:
        seen |= {r.response_id for r in page.responses}
        if page.through is not None:
            assert {rid for rid, at in times.items() if at <= page.through} <= seen


def test_replaying_a_window_yields_nothing_new(source_kit: SourceAdapter) -> None:
    ids = _seed(source_kit, PAGE + 7)
    source_kit.fake.update_response(ids[3], comment="later", at=T0 + timedelta(hours=2))
    window = (T0, T0 + timedelta(days=1))

    def versions() -> set[tuple[str, int]]:
        pages = _fetch(source_kit.source(page_size=PAGE), *window)
        return {(r.response_id, r.version) for page in pages for r in page.responses}

    first = versions()
    assert {rid for rid, _ in first} == set(ids)
    assert versions() == first


def test_ties_on_a_boundary_second_are_neither_lost_nor_doubled(
    source_kit: SourceAdapter,
) -> None:
    until = T0 + timedelta(hours=1)
    at_since = _seed(source_kit, PAGE + 3, at=T0, step=0)  # more than a page in one second
    at_until = _seed(source_kit, PAGE + 3, at=until, step=0)
    _seed(source_kit, 2, at=until + timedelta(seconds=1), step=0)

    pages = list(_fetch(source_kit.source(page_size=PAGE), T0, until))

    # Listing is at-least-once (a tie may come again on the next page) but never as a second
    # version: the poll stage stores each (id, version) once, so nothing is doubled.
    pairs = {(r.response_id, r.version) for page in pages for r in page.responses}
    versions = Counter(response_id for response_id, _ in pairs)
    assert set(versions) == set(at_since) | set(at_until)
    assert set(versions.values()) == {1}


def test_an_answer_updated_while_paging_is_not_skipped(source_kit: SourceAdapter) -> None:
    # All created before the window, so only their updates bring them into it.
    ids = _seed(source_kit, 3 * PAGE, at=T0 - timedelta(days=3), step=1)
    for i, rid in enumerate(ids):
        source_kit.fake.update_response(rid, comment="late", at=T0 + timedelta(seconds=i))
    answered = [0]

    def move_one_out_of_the_window() -> None:
        answered[0] += 1
        if answered[0] == 2:  # after the first page: an early answer is updated again, later
            source_kit.fake.update_response(ids[1], comment="again", at=T0 + timedelta(days=5))

    source_kit.hooked.after = move_one_out_of_the_window
    pages = list(_fetch(source_kit.source(page_size=PAGE), T0, T0 + timedelta(hours=1)))

    assert answered[0] >= 2  # the update did happen mid-listing
    assert set(ids) - {ids[1]} <= set(_ids(pages))


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, SourceAuthError), (500, SourceUnavailable), (503, SourceUnavailable)],
)
def test_vendor_errors_map_to_the_core_error_types(
    source_kit: SourceAdapter, status: int, error: type[SourceError]
) -> None:
    _seed(source_kit, 1)
    source_kit.fail(status, times=50)

    with pytest.raises(error):
        list(_fetch(source_kit.source(), T0, T0 + timedelta(hours=1)))


def test_wrong_credentials_are_an_auth_error_that_hides_them(source_kit: SourceAdapter) -> None:
    with pytest.raises(SourceAuthError) as raised:
        list(_fetch(source_kit.source(credential="wrong-secret-42"), T0, T0))

    assert "wrong-secret-42" not in str(raised.value)
    assert source_kit.sleeps.slept == []  # refused credentials are not retried


def test_a_refused_request_is_rejected_not_retried(source_kit: SourceAdapter) -> None:
    source_kit.fail(422, times=50)

    with pytest.raises(SourceRejected):
        list(_fetch(source_kit.source(), T0, T0))
    assert source_kit.sleeps.slept == []


def test_429_waits_as_long_as_retry_after_says(source_kit: SourceAdapter) -> None:
    ids = _seed(source_kit, 2)
    source_kit.fail(429, times=2, retry_after=1.5)

    pages = list(_fetch(source_kit.source(), T0, T0 + timedelta(hours=1)))

    assert set(_ids(pages)) == set(ids)
    assert source_kit.sleeps.slept == [1.5, 1.5]


def test_a_repeated_page_ends_the_listing_without_claiming_it_complete(
    source_kit: SourceAdapter,
) -> None:
    _seed(source_kit, 3 * PAGE)
    source_kit.repeat_pages()
    until = T0 + timedelta(days=1)

    pages = list(_fetch(source_kit.source(page_size=PAGE), T0, until))

    assert all(page.through is None or page.through < until for page in pages)
