"""The daemon's retention stage: prune old history at most once per ``[retention] interval``.

Replicas share one schedule through the store (the time of the last run, in ``store_meta``) and
one pruner at a time through a lease, so three replicas prune about once an hour, not three times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy import Engine

from syncd.settings import RetentionSettings
from syncd.store.retention import Cutoffs, PruneCounts, last_pruned_ms, mark_pruned, prune

log = structlog.get_logger(__name__)

LEASE = "retention"
_DAY_MS = 86_400_000
#: A replica that found the lease taken looks again after this long.
_RETRY_SECONDS = 60.0


def cutoffs(settings: RetentionSettings, now_ms: int) -> Cutoffs:
    """Per kind of history: the time before which its rows may go."""

    def before(days: float) -> int:
        return now_ms - int(days * _DAY_MS)

    return Cutoffs(
        inbox_ms=before(settings.inbox_payload_days),
        outbox_ms=before(settings.outbox_days),
        quarantine_ms=before(settings.quarantine_days),
        dead_letter_ms=before(settings.dead_letter_days),
    )


class Retention:
    """Decides when this replica prunes, and prunes."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._next_look = 0.0

    def run_if_due(
        self,
        engine: Engine,
        settings: RetentionSettings,
        now_ms: int,
        leased: Callable[[str], bool],
        stop: threading.Event | None = None,
    ) -> PruneCounts | None:
        """Prune when the interval has passed since any replica last did; None when not due."""
        if not settings.enabled or self._monotonic() < self._next_look:
            return None
        interval_ms = int(settings.interval_seconds * 1000)
        with engine.connect() as conn:
            last = last_pruned_ms(conn)
        if last is not None and now_ms - last < interval_ms:
            self._wait((last + interval_ms - now_ms) / 1000)
            return None
        if not leased(LEASE):
            self._wait(min(_RETRY_SECONDS, settings.interval_seconds))
            return None
        with engine.begin() as conn:
            mark_pruned(conn, now_ms)
        self._wait(settings.interval_seconds)
        counts = prune(engine, cutoffs(settings, now_ms), settings.batch_size, stop=stop)
        log.info("pruned", total=counts.total(), **{f: getattr(counts, f) for f in _FIELDS})
        return counts

    def _wait(self, seconds: float) -> None:
        self._next_look = self._monotonic() + seconds


_FIELDS = ("inbox_payloads", "outbox_done", "dead_letters", "quarantine_resolved")
