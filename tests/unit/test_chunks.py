"""Slicing sequences for batch calls and statements."""

from __future__ import annotations

from syncd.chunks import chunks, few_sized_chunks


def test_chunks_are_consecutive_slices_of_at_most_the_size() -> None:
    assert [list(part) for part in chunks(range(7), 3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_few_sized_chunks_keep_every_item_in_order() -> None:
    for count in range(0, 260):
        items = list(range(count))
        parts = list(few_sized_chunks(items, 100))
        assert [item for part in parts for item in part] == items


def test_few_sized_chunks_come_in_a_bounded_set_of_lengths_whatever_the_count() -> None:
    lengths = {
        len(part) for count in range(1, 1_000) for part in few_sized_chunks(range(count), 100)
    }
    # Full slices, then powers of two: a statement per length has eight texts, not a hundred.
    assert lengths == {100, 64, 32, 16, 8, 4, 2, 1}


def test_few_sized_chunks_use_full_slices_first_and_the_largest_powers_of_two_after() -> None:
    assert [len(part) for part in few_sized_chunks(range(299), 100)] == [100, 100, 64, 32, 2, 1]
    assert [len(part) for part in few_sized_chunks(range(200), 100)] == [100, 100]
