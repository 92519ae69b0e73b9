"""Counters of the webhook intake, per source and outcome, for the metrics endpoint to read."""

from __future__ import annotations

import threading
from collections import Counter
from enum import StrEnum


class Outcome(StrEnum):
    """What became of one delivery; each delivery is counted under exactly one."""

    ACCEPTED = "accepted"
    #: Forged or unsigned: the signature or shared secret did not verify.
    UNAUTHORIZED = "unauthorized"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    #: No enabled source of that name takes webhooks.
    UNKNOWN_SOURCE = "unknown_source"
    WRONG_METHOD = "wrong_method"
    #: The store could not take it; the sender retries.
    STORE_FAILED = "store_failed"


#: The source label of deliveries to a path no webhook source answers.
UNKNOWN = "-"


class WebhookStats:
    """Thread-safe counts: deliveries by (source, outcome), and answers stored or quarantined.

    A Prometheus collector reads ``deliveries()`` and ``answer_counts()``; tests read ``count``.
    Deliveries to a name no source has are counted under ``UNKNOWN``, whatever the name, so
    probing random paths cannot grow the counters.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deliveries: Counter[tuple[str, Outcome]] = Counter()
        self._answers: Counter[tuple[str, str]] = Counter()

    def delivery(self, source: str, outcome: Outcome) -> None:
        """Count one delivery to ``source`` that ended in ``outcome``."""
        with self._lock:
            self._deliveries[source, outcome] += 1

    def record(self, source: str, *, stored: int, quarantined: int, unchanged: int) -> None:
        """Count what one accepted delivery did to the inbox and the quarantine."""
        with self._lock:
            self._answers[source, "stored"] += stored
            self._answers[source, "quarantined"] += quarantined
            self._answers[source, "unchanged"] += unchanged

    def count(self, source: str, outcome: Outcome) -> int:
        """Deliveries to ``source`` that ended in ``outcome`` so far."""
        with self._lock:
            return self._deliveries[source, outcome]

    def deliveries(self) -> dict[tuple[str, Outcome], int]:
        """A snapshot of every delivery count."""
        with self._lock:
            return dict(self._deliveries)

    def answer_counts(self) -> dict[tuple[str, str], int]:
        """A snapshot of answers stored, quarantined and unchanged, per source."""
        with self._lock:
            return dict(self._answers)
