"""The fake's responses, indexed by submission second and by processing order.

A keyset page (``sort=submitted_at``) is two binary searches and a slice; a token page reads the
window's entries only. Without the index every request scanned every stored response.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import Any

_FIRST, _LAST = -(2**63), 2**63


@dataclass(slots=True)
class Entry:
    """A stored response: its processing sequence, submission second and JSON.

    ``seq`` is the processing order ``after``/``before`` tokens walk; it never changes.
    """

    seq: int
    submitted: int
    record: dict[str, Any]


class SubmittedIndex:
    """Entries by token, and keys ``(submitted second, seq)`` kept sorted."""

    def __init__(self) -> None:
        self.by_token: dict[str, Entry] = {}
        self._keys: list[tuple[int, int]] = []
        self._by_seq: dict[int, Entry] = {}

    def add(self, token: str, entry: Entry) -> None:
        self.by_token[token] = entry
        self._by_seq[entry.seq] = entry
        insort(self._keys, (entry.submitted, entry.seq))

    def move(self, entry: Entry, submitted: int) -> None:
        """Re-file ``entry`` under a new submission second."""
        del self._keys[bisect_left(self._keys, (entry.submitted, entry.seq))]
        entry.submitted = submitted
        insort(self._keys, (submitted, entry.seq))

    def window(self, since: int | None, until: int | None, limit: int | None = None) -> list[Entry]:
        """Entries submitted in ``[since, until]`` (the first ``limit``), by second then seq."""
        lo, hi = self.bounds(since, until)
        hi = hi if limit is None else min(hi, lo + limit)
        return [self._by_seq[seq] for _, seq in self._keys[lo:hi]]

    def bounds(self, since: int | None, until: int | None) -> tuple[int, int]:
        """Positions of ``[since, until]`` in the sorted keys: ``hi - lo`` entries match."""
        lo = bisect_left(self._keys, (_FIRST if since is None else since, _FIRST))
        hi = bisect_right(self._keys, (_LAST if until is None else until, _LAST))
        return lo, hi

    def __len__(self) -> int:
        return len(self._by_seq)
