"""How a connector call is retried in place: data, read from settings and applied by ``retrying``.

Apart from the ``Retrier`` (tenacity, structlog), so a connector's settings load without them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InlineRetry:
    """How one call is retried in place before its failure goes back to the scheduler.

    ``attempts`` counts every call, the first included. After a failure the call waits what the
    vendor asked, else ``backoff_base`` doubled per attempt up to ``backoff_max``. A vendor asking
    for more than ``max_inline_wait`` ends the retries at once: the error carries the wait to
    the scheduler, which can hold the work without holding a thread.
    """

    attempts: int
    backoff_base: float
    backoff_max: float
    max_inline_wait: float

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {self.attempts}")
        if min(self.backoff_base, self.backoff_max, self.max_inline_wait) < 0:
            raise ValueError("backoff and wait limits must not be negative")

    def wait(self, attempt: int, asked: float | None) -> float:
        """Seconds to wait after failed call number ``attempt`` (from 1)."""
        if asked is not None:
            return asked
        return min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt - 1, 60))

    def gives_up(self, attempt: int, asked: float | None) -> bool:
        """Whether failed call number ``attempt`` is the last one."""
        return attempt >= self.attempts or (asked is not None and asked > self.max_inline_wait)
