"""The fake's responses of one survey, indexed by ``date_modified`` second.

A sorted page is two binary searches and a slice; without the index every request scanned and
sorted every stored response.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import Any

_FIRST, _LAST = -(2**63), 2**63


@dataclass(slots=True)
class Entry:
    """A stored response: arrival sequence, modification second and JSON."""

    seq: int
    modified: int
    record: dict[str, Any]


class ModifiedIndex:
    """Entries by id, and keys ``(modified second, seq)`` kept sorted."""

    def __init__(self) -> None:
        self.by_id: dict[str, Entry] = {}
        self._keys: list[tuple[int, int]] = []
        self._by_seq: dict[int, Entry] = {}

    def add(self, response_id: str, entry: Entry) -> None:
        self.by_id[response_id] = entry
        self._by_seq[entry.seq] = entry
        insort(self._keys, (entry.modified, entry.seq))

    def move(self, entry: Entry, modified: int) -> None:
        """Re-file ``entry`` under a new modification second."""
        del self._keys[bisect_left(self._keys, (entry.modified, entry.seq))]
        entry.modified = modified
        insort(self._keys, (modified, entry.seq))

    def span(self, after: int | None, before: int | None) -> tuple[int, int]:
        """Key positions of the entries modified strictly between ``after`` and ``before``."""
        lo = bisect_right(self._keys, (_FIRST if after is None else after, _LAST))
        hi = bisect_left(self._keys, (_LAST if before is None else before, _FIRST))
        return lo, max(lo, hi)

    def slice(self, lo: int, hi: int) -> list[Entry]:
        """Entries at key positions ``lo`` to ``hi``."""
        return [self._by_seq[seq] for _, seq in self._keys[lo:hi]]
