"""Reading a source's pages under a budget: a page count, a wall-clock limit and the stop signal.

The source runs in a worker thread that keeps one page ready ahead of the pass: while the pass
stores a page, the worker fetches and parses the next, so neither waits for the other in turn
(the pass waited a fifth of a backfill for its next page). Only one ahead: a pass that ends on
its bounds has fetched at most one page it does not store, and never stores it (the cursor stays
with what is stored). The pass waits for each page in short slices: SIGTERM or
the time limit end the wait within a fraction of a second even while the source is stuck inside
a request (a vendor trickling its answer, a connection that hangs). An abandoned worker is a
daemon thread; it finishes or fails on its own and never holds the process open.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

#: How often a waiting pass looks at its budget.
_SLICE_SECONDS = 0.1


@dataclass(slots=True)
class Budget:
    """What one pass may still spend; ``spent`` names the bound that ended it, if any."""

    max_pages: int
    max_seconds: float
    stop: threading.Event | None = None
    pages: int = 0
    spent: str | None = None
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.max_seconds

    def allows_more(self) -> bool:
        """True while the pass may go on; otherwise ``spent`` says why not."""
        if self.stop is not None and self.stop.is_set():
            self.spent = "stop requested"
        elif self.pages >= self.max_pages:
            self.spent = f"max_pages_per_pass ({self.max_pages}) reached"
        elif time.monotonic() >= self._deadline:
            self.spent = f"max_pass_seconds ({self.max_seconds:g}) reached"
        return self.spent is None


def bounded(pages: Iterator[T], budget: Budget) -> Iterator[T]:
    """The pages of ``pages`` until it ends or ``budget`` is spent; a source error is raised."""
    handoff = _Handoff(pages)
    try:
        while budget.allows_more():
            page = handoff.take(budget)
            if page is None:
                return
            budget.pages += 1
            yield page
    finally:
        handoff.close()


class _Handoff(Generic[T]):
    """A worker thread that advances ``pages`` once per ``take``, one page ahead of it."""

    def __init__(self, pages: Iterator[T]) -> None:
        self._pages = pages
        #: The first page is fetched at once; each ``take`` then asks for one more.
        self._asked = threading.Semaphore(1)
        self._closed = threading.Event()
        self._results: queue.Queue[tuple[T | None, BaseException | None]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="source-pages", daemon=True)
        self._thread.start()

    def take(self, budget: Budget) -> T | None:
        """The next page; None when the source is done or the budget ran out while waiting."""
        self._asked.release()
        while True:
            try:
                page, error = self._results.get(timeout=_SLICE_SECONDS)
            except queue.Empty:
                if budget.allows_more():
                    continue
                return None
            if error is not None:
                raise error
            return page

    def close(self) -> None:
        self._closed.set()
        self._asked.release()

    def _run(self) -> None:
        try:
            while self._asked.acquire() and not self._closed.is_set():
                try:
                    page = next(self._pages)
                except StopIteration:
                    self._results.put((None, None))
                    return
                except Exception as error:  # handed to the pass, which raises it
                    self._results.put((None, error))
                    return
                self._results.put((page, None))
        finally:
            close = getattr(self._pages, "close", None)
            with contextlib.suppress(Exception):  # nobody is left to hear about it
                if callable(close):
                    close()
