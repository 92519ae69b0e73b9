"""The Wootric fake's responses, indexed by ``created_at`` and ``updated_at``.

A listing page is two binary searches and a slice on the index its ``sort_key`` names; an update
re-files one entry. Without it every request would scan and sort every stored response.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import Any

_FIRST, _LAST = -(2**63), 2**63
KEYS = ("created_at", "updated_at")


@dataclass(slots=True)
class Entry:
    """A stored response: the Unix seconds the fake filters on, and the JSON it serves."""

    seq: int
    created: int
    updated: int
    record: dict[str, Any]

    def time(self, key: str) -> int:
        return self.created if key == "created_at" else self.updated


class ResponseIndex:
    """Entries by sequence number, with sorted ``(second, seq)`` keys per sort key."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._keys: dict[str, list[tuple[int, int]]] = {key: [] for key in KEYS}

    def add(self, entry: Entry) -> None:
        self._entries[entry.seq] = entry
        for key in KEYS:
            insort(self._keys[key], (entry.time(key), entry.seq))

    def moved(self, entry: Entry, previous_updated: int) -> None:
        """Re-file ``entry`` after its ``updated`` changed from ``previous_updated``."""
        keys = self._keys["updated_at"]
        del keys[bisect_left(keys, (previous_updated, entry.seq))]
        insort(keys, (entry.updated, entry.seq))

    def page(
        self, key: str, low: int, high: int, start: int, size: int, *, descending: bool
    ) -> list[Entry]:
        """Entries ``start`` to ``start + size`` with ``low <= time <= high``, in order."""
        keys = self._keys[key]
        lo, hi = bisect_left(keys, (low, _FIRST)), bisect_right(keys, (high, _LAST))
        if descending:
            chosen = keys[max(lo, hi - start - size) : max(lo, hi - start)][::-1]
        else:
            chosen = keys[min(hi, lo + start) : min(hi, lo + start + size)]
        return [self._entries[seq] for _, seq in chosen]
