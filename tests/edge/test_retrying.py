"""The one inline retry policy: vendor waits, backoff, the inline cap, attempts, stop, limiter."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from structlog.testing import capture_logs

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.retrying import Retrier, RetryNote
from syncd.errors import SourceRejected, SourceUnavailable

POLICY = InlineRetry(attempts=4, backoff_base=0.5, backoff_max=1.5, max_inline_wait=10.0)


@dataclass
class Failing:
    """Raises its errors in turn, then answers ``"ok"``."""

    errors: list[Exception]
    calls: int = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@dataclass
class Limiter:
    acquired: int = 0
    penalties: list[float] = field(default_factory=list)

    def acquire(self) -> None:
        self.acquired += 1

    def penalise(self, seconds: float) -> None:
        self.penalties.append(seconds)


class RecordingStop(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(timeout)


def unavailable(retry_after: float | None = None) -> SourceUnavailable:
    return SourceUnavailable("vendor down", retry_after)


def transient(error: BaseException) -> bool:
    return isinstance(error, SourceUnavailable)


def run(
    operation: Callable[[], str],
    policy: InlineRetry = POLICY,
    stop: threading.Event | None = None,
) -> tuple[str, list[float]]:
    slept: list[float] = []
    retrier = Retrier(policy, "vendor", sleep=slept.append, stop=stop)
    return retrier.call(operation, retry_if=transient), slept


def test_waits_what_the_vendor_asked() -> None:
    operation = Failing([unavailable(2.0), unavailable(0.0)])

    assert run(operation) == ("ok", [2.0, 0.0])
    assert operation.calls == 3


def test_backs_off_exponentially_up_to_the_cap_without_a_vendor_wait() -> None:
    operation = Failing([unavailable(), unavailable(), unavailable()])

    assert run(operation) == ("ok", [0.5, 1.0, 1.5])


def test_gives_up_after_the_attempts_and_raises_the_last_error_unchanged() -> None:
    last = unavailable()
    operation = Failing([unavailable(), unavailable(), unavailable(), last])
    slept: list[float] = []

    with pytest.raises(SourceUnavailable) as raised:
        Retrier(POLICY, "vendor", sleep=slept.append).call(operation, retry_if=transient)

    assert raised.value is last
    assert operation.calls == POLICY.attempts
    assert len(slept) == POLICY.attempts - 1


def test_a_vendor_wait_beyond_the_inline_cap_gives_up_at_once() -> None:
    operation = Failing([unavailable(10.5)])
    slept: list[float] = []

    with pytest.raises(SourceUnavailable) as raised:
        Retrier(POLICY, "vendor", sleep=slept.append).call(operation, retry_if=transient)

    assert (operation.calls, slept, raised.value.retry_after) == (1, [], 10.5)


def test_a_wait_of_exactly_the_cap_is_still_taken_inline() -> None:
    assert run(Failing([unavailable(10.0)])) == ("ok", [10.0])


def test_errors_the_connector_does_not_retry_are_raised_at_once() -> None:
    operation = Failing([SourceRejected("bad request")])

    with pytest.raises(SourceRejected):
        run(operation)
    assert operation.calls == 1


def test_one_attempt_means_no_retry() -> None:
    operation = Failing([unavailable()])
    single = InlineRetry(attempts=1, backoff_base=1, backoff_max=1, max_inline_wait=10)

    with pytest.raises(SourceUnavailable):
        run(operation, single)
    assert operation.calls == 1


def test_a_set_stop_event_ends_the_retries() -> None:
    stop = threading.Event()
    stop.set()
    operation = Failing([unavailable(), unavailable()])

    with pytest.raises(SourceUnavailable):
        run(operation, stop=stop)
    assert operation.calls == 1


def test_a_stop_during_the_wait_cuts_it_short_and_starts_no_new_attempt() -> None:
    stop = RecordingStop()
    first = unavailable(5.0)
    operation = Failing([first, unavailable()])
    retrier = Retrier(POLICY, "vendor", stop=stop, on_retry=lambda note: stop.set())

    with pytest.raises(SourceUnavailable) as raised:
        retrier.call(operation, retry_if=transient)

    assert raised.value is first
    assert (operation.calls, stop.waits) == (1, [5.0])


def test_each_attempt_passes_the_limiter() -> None:
    limiter = Limiter()
    operation = Failing([unavailable(), unavailable()])
    retrier = Retrier(POLICY, "vendor", sleep=lambda seconds: None)

    assert retrier.call(operation, retry_if=transient, limiter=limiter) == "ok"
    assert limiter.acquired == 3


def test_the_hook_hears_each_retry() -> None:
    notes: list[RetryNote] = []
    error = unavailable(1.0)
    retrier = Retrier(POLICY, "vendor", sleep=lambda seconds: None, on_retry=notes.append)

    retrier.call(Failing([error]), retry_if=transient)

    assert notes == [RetryNote("vendor", 1, 1.0, error)]


def test_retries_are_logged_by_default() -> None:
    with capture_logs() as logs:
        run(Failing([unavailable(1.0)]))

    assert logs == [
        {
            "event": "http.retry",
            "vendor": "vendor",
            "attempt": 1,
            "wait": 1.0,
            "error": "vendor down",
            "log_level": "warning",
        }
    ]


@pytest.mark.parametrize(
    "values",
    [
        {"attempts": 0, "backoff_base": 1, "backoff_max": 1, "max_inline_wait": 1},
        {"attempts": 1, "backoff_base": -1, "backoff_max": 1, "max_inline_wait": 1},
    ],
)
def test_policy_rejects_impossible_values(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        InlineRetry(**values)
