"""A source's next page is fetched while the pass stores the current one, and no further."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from syncd.pipeline.pages import Budget, bounded


def test_the_next_page_is_fetched_while_the_pass_handles_this_one() -> None:
    second_asked = threading.Event()

    def pages() -> Iterator[int]:
        yield 1
        second_asked.set()
        yield 2

    seen = []
    for page in bounded(pages(), Budget(10, 60)):
        if page == 1:
            # Without read-ahead the source waits for the next ``take``: this times out.
            assert second_asked.wait(5)
        seen.append(page)
    assert seen == [1, 2]


def test_a_pass_ending_on_its_bound_fetches_at_most_one_page_more() -> None:
    asked: list[int] = []
    done = threading.Event()

    def endless() -> Iterator[int]:
        number = 0
        try:
            while True:
                number += 1
                asked.append(number)
                yield number
        finally:
            done.set()

    taken = list(bounded(endless(), Budget(3, 60)))
    assert taken == [1, 2, 3]
    assert done.wait(5)  # the worker closed the source
    assert asked in ([1, 2, 3], [1, 2, 3, 4])
