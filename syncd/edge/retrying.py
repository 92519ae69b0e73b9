"""One inline retry policy for every connector call, applied with tenacity.

The policy is data (``InlineRetry``, built from a connector's settings); ``Retrier`` applies it
to one call: pace it through the connector's ``Limiter``, retry what the connector calls
retryable, wait what the vendor asked (the error's ``retry_after``) or else back off
exponentially, and hand the error back at once when waiting inline would stall the stage.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception
from tenacity.stop import stop_base

from syncd.edge.limiter import Limiter

T = TypeVar("T")
log = structlog.get_logger(__name__)


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


@dataclass(frozen=True, slots=True)
class RetryNote:
    """One retry about to happen: what the log hook is told."""

    vendor: str
    attempt: int
    wait: float
    error: BaseException


RetryHook = Callable[[RetryNote], None]


def log_retry(note: RetryNote) -> None:
    """The default hook: one structured line per retry."""
    log.warning(
        "http.retry",
        vendor=note.vendor,
        attempt=note.attempt,
        wait=round(note.wait, 3),
        error=str(note.error),
    )


@dataclass(frozen=True)
class Retrier:
    """Applies an ``InlineRetry`` to calls to one vendor.

    ``sleep`` waits between attempts (replaceable in tests); without it the retrier sleeps on
    ``stop``, so a shutdown cuts a wait short. Once ``stop`` is set no new attempt starts and the
    last error is raised as it is.
    """

    policy: InlineRetry
    vendor: str
    sleep: Callable[[float], None] | None = None
    stop: threading.Event | None = None
    on_retry: RetryHook = log_retry

    def call(
        self,
        operation: Callable[[], T],
        *,
        retry_if: Callable[[BaseException], bool],
        limiter: Limiter | None = None,
    ) -> T:
        """``operation()`` under ``limiter``, retried while ``retry_if(error)`` and policy allow.

        The error of the last attempt is raised unchanged.
        """
        failures: list[BaseException] = []

        def attempt() -> T:
            if failures and self._stopping():
                raise failures[-1]
            if limiter is not None:
                limiter.acquire()
            try:
                return operation()
            except BaseException as error:
                failures[:] = [error]
                raise

        return self._retrying(retry_if)(attempt)

    def _retrying(self, retry_if: Callable[[BaseException], bool]) -> Retrying:
        return Retrying(
            retry=retry_if_exception(retry_if),
            stop=_GiveUp(self.policy, self._stopping),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _wait(self, state: RetryCallState) -> float:
        return self.policy.wait(state.attempt_number, asked_wait(state))

    def _sleep(self, seconds: float) -> None:
        if self.sleep is not None:
            self.sleep(seconds)
        elif self.stop is not None:
            self.stop.wait(seconds)
        else:
            time.sleep(seconds)

    def _before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        if error is not None:
            self.on_retry(RetryNote(self.vendor, state.attempt_number, wait, error))


def asked_wait(state: RetryCallState) -> float | None:
    """The ``retry_after`` the failed attempt's error carries (syncd's ``Transient`` errors)."""
    error = state.outcome.exception() if state.outcome else None
    value = getattr(error, "retry_after", None)
    return float(value) if isinstance(value, int | float) else None


class _GiveUp(stop_base):
    """Stop after the policy's last attempt, on a wait too long for inline, or on shutdown."""

    def __init__(self, policy: InlineRetry, stopping: Callable[[], bool]) -> None:
        self._policy = policy
        self._stopping = stopping

    def __call__(self, retry_state: RetryCallState) -> bool:
        asked = asked_wait(retry_state)
        return self._policy.gives_up(retry_state.attempt_number, asked) or self._stopping()
