"""A background thread that renews this instance's leases and claims while it works.

A stage stalled in a vendor call (a batch waiting out ``Retry-After`` pauses) must keep what it
holds, or another replica would take the batch over and send it a second time. Renewal comes
from a thread, not from the stage, because the stall is inside a single call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import structlog

log = structlog.get_logger(__name__)


class Heartbeat:
    """Calls ``renew`` every ``period`` seconds between ``start`` and ``stop`` (a context)."""

    def __init__(self, renew: Callable[[], None], period: float) -> None:
        self._renew = renew
        self._period = period
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="syncd-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self._period):
            try:
                self._renew()
            except Exception:
                # A store hiccup must not kill renewal for good; the next beat tries again.
                log.warning("could not renew leases and claims", exc_info=True)
