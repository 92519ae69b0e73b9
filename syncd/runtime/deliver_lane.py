"""Delivery on a thread of its own while the pass polls and plans.

A pass reads the source, plans what it read and delivers what it planned. Done in turn on one
thread, each step waits for the others: the plan waits while the CRM answers a batch, and the
delivery waits while pages are parsed and planned. On its own thread the delivery overlaps them:
while one thread waits for the CRM or the database (both let go of the interpreter), the other
works. The store is what they share, as replicas share it, so nothing else needs a lock: a batch
is claimed under a lease, and a plan commits before it nudges.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import structlog

log = structlog.get_logger(__name__)


class DeliverLane:
    """Runs ``deliver`` whenever nudged, on its own thread, until closed.

    ``nudge`` after a plan commits: the lane delivers (again) soon after. Leaving the ``with``
    block waits until every nudge has been followed by a delivery that began after it, so
    everything planned inside the block has been offered to the CRM when it returns.
    """

    def __init__(self, deliver: Callable[[], None], name: str = "syncd-deliver") -> None:
        self._deliver = deliver
        self._changed = threading.Condition()
        #: Nudged since the last delivery began: that delivery may have missed the newest plan.
        self._due = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> DeliverLane:
        self._thread.start()
        return self

    def nudge(self) -> None:
        """Newly planned actions are in the outbox: deliver them."""
        with self._changed:
            self._due = True
            self._changed.notify()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not (self._due or self._closing):
                    self._changed.wait()
                if not self._due:
                    return  # closed, and the last delivery began after the last nudge
                self._due = False
            try:
                self._deliver()
            except Exception:
                # The caller guards the stage; this only keeps the lane alive if that fails.
                log.error("delivery lane failed; the next nudge tries again", exc_info=True)
