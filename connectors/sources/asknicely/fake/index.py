"""The AskNicely fake's responses, indexed by when they were sent and answered.

A listing page is two binary searches and a slice on the index its ``sort_by`` names, so paging
through N answers costs O(N log N), not a sort per request. Answer times never change (AskNicely
has no update timestamp), so an update rewrites the record in place and leaves the index alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import Any

_FIRST, _LAST = -(2**63), 2**63


@dataclass(slots=True)
class Entry:
    """A stored answer: the times the fake filters on, and the row it serves."""

    seq: int
    sent: int
    responded: int
    record: dict[str, Any]
    #: Webhook deliveries so far: 1 on submission, one more per change.
    count: int = 1


class AnswerIndex:
    """Entries by sequence number, with sorted keys per ``sort_by`` value."""

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._keys: dict[str, list[tuple[int, int]]] = {"sent": [], "responded": []}

    def add(self, entry: Entry) -> None:
        self._entries[entry.seq] = entry
        insort(self._keys["sent"], (entry.sent, entry.seq))
        insort(self._keys["responded"], (entry.responded, entry.seq))

    def window(self, sort_by: str, since: int, end: int) -> tuple[int, int]:
        """The slice bounds of ``[since, end]`` (both inclusive) in ``sort_by`` order."""
        keys = self._keys[sort_by]
        return bisect_left(keys, (since, _FIRST)), bisect_right(keys, (end, _LAST))

    def page(
        self, sort_by: str, bounds: tuple[int, int], start: int, size: int, *, descending: bool
    ) -> list[Entry]:
        """Entries ``start`` to ``start + size`` of a window, in the order asked for."""
        keys = self._keys[sort_by]
        lo, hi = bounds
        if descending:
            chosen = keys[max(lo, hi - start - size) : max(lo, hi - start)][::-1]
        else:
            chosen = keys[min(hi, lo + start) : min(hi, lo + start + size)]
        return [self._entries[seq] for _, seq in chosen]
