"""Time indexes over the Delighted fake's responses, so a list request reads only its window.

A page of the default order (by ``created_at``, filtered on ``since``/``until``) is two binary
searches and a slice; the ``updated_*`` filters read only the updated responses in their window.
An insertion appends and the keys are sorted when next read (one sort for a whole seeding, which
draws answers out of time order: inserting each in place moved the rest of the list, O(N^2) at a
million). Without the indexes every request scanned and sorted every stored response.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: (time, seq): ``seq`` breaks ties in arrival order, as the listing does.
_Key = tuple[int, int]
_FIRST, _LAST = -(2**63), 2**63


@dataclass(slots=True)
class Entry:
    """A stored response plus the times the fake filters on.

    Filters use these recorded times, not the served JSON, so a test can seed a malformed
    ``created_at`` through ``overrides`` and still have the item listed in its window.
    """

    seq: int
    created: int
    updated: int | None
    record: dict[str, Any]

    def order_time(self, by_updated: bool) -> int:
        # Null updated_at sorts as its created_at.
        return (self.updated or self.created) if by_updated else self.created


class TimeIndex:
    """Every entry by sequence number, and sorted keys by ``created_at`` and ``updated_at``."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._created_keys: list[_Key] = []
        self._created_sorted = True
        self._updated: list[_Key] = []  # only responses updated at least once

    def add(self, entry: Entry) -> None:
        self._entries[entry.seq] = entry
        key = (entry.created, entry.seq)
        if self._created_keys and key < self._created_keys[-1]:
            self._created_sorted = False
        self._created_keys.append(key)

    @property
    def _created(self) -> list[_Key]:
        if not self._created_sorted:
            self._created_keys.sort()
            self._created_sorted = True
        return self._created_keys

    def moved(self, entry: Entry, previous: int | None) -> None:
        """Re-file ``entry`` after its ``updated`` changed from ``previous``."""
        if previous is not None:
            del self._updated[bisect_left(self._updated, (previous, entry.seq))]
        if entry.updated is not None:
            insort(self._updated, (entry.updated, entry.seq))

    def created_page(
        self, bounds: Mapping[str, int], start: int, size: int, *, descending: bool
    ) -> list[Entry]:
        """Entries ``start`` to ``start + size`` of the ``since``/``until`` window, by creation."""
        lo = bisect_left(self._created, (bounds.get("since", _FIRST), _FIRST))
        hi = bisect_right(self._created, (bounds.get("until", _LAST), _LAST))
        if descending:
            first, last = max(lo, hi - start - size), max(lo, hi - start)
            keys = self._created[first:last][::-1]
        else:
            keys = self._created[min(hi, lo + start) : min(hi, lo + start + size)]
        return [self._entries[seq] for _, seq in keys]

    def candidates(self, bounds: Mapping[str, int]) -> list[Entry]:
        """A superset of the entries matching ``bounds``, read from the narrower index."""
        if "updated_since" in bounds or "updated_until" in bounds:
            keys, low, high = self._updated, "updated_since", "updated_until"
        else:
            keys, low, high = self._created, "since", "until"
        lo = bisect_left(keys, (bounds.get(low, _FIRST), _FIRST))
        hi = bisect_right(keys, (bounds.get(high, _LAST), _LAST))
        return [self._entries[seq] for _, seq in keys[lo:hi]]
