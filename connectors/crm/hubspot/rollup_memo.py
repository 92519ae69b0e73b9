"""A small, bounded memory of what the connector learned or wrote a moment ago."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values kept for ``ttl`` seconds of ``clock`` (monotonic), at most ``cap`` of them.

    Setting a key again renews it; the oldest entries go first when the cap is reached, so the
    memory never grows with the portal.
    """

    def __init__(self, ttl: float, cap: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._cap = cap
        self._clock = clock
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key`` from now on."""
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self._clock(), value)
            self._prune()

    def get(self, key: K) -> V | None:
        """The value, while it is fresh."""
        with self._lock:
            self._prune()
            entry = self._items.get(key)
            return None if entry is None else entry[1]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            self._prune()
            return key in self._items

    def values(self) -> list[V]:
        """Every fresh value, oldest first."""
        with self._lock:
            self._prune()
            return [value for _, value in self._items.values()]

    def _prune(self) -> None:
        oldest = self._clock() - self._ttl
        # Insertion order is time order (put re-inserts), so stale entries lead the dict.
        while self._items:
            key, (at, _) = next(iter(self._items.items()))
            if at >= oldest and len(self._items) <= self._cap:
                return
            del self._items[key]
