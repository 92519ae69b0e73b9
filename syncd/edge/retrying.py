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
from syncd.edge.retry_policy import InlineRetry

T = TypeVar("T")
log = structlog.get_logger(__name__)


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
