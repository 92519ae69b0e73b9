"""Splitting a sequence into consecutive slices: CRM batch calls, ``IN`` lists, statements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items, in order."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def few_sized_chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``size`` items, then the rest in slices of falling powers of two.

    The slices come in at most ``1 + size.bit_length()`` lengths, however many items there
    are: a statement rendered per slice length (a many-row ``VALUES`` list) then has few texts.
    """
    whole = len(items) - len(items) % size
    yield from chunks(items[:whole], size)
    start = whole
    while start < len(items):
        length = 1 << ((len(items) - start).bit_length() - 1)  # the largest power of two left
        yield items[start : start + length]
        start += length
