"""The in-process limiter behind the shared ``Limiter`` interface."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from syncd.edge.limiter import Limiter, SlidingWindowLimiter


@dataclass
class FakeClock:
    now: float = 100.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_rolling_window_lets_max_calls_through_per_period() -> None:
    clock = FakeClock()
    limiter: Limiter = SlidingWindowLimiter(2, 10.0, clock=clock, sleep=clock.sleep)

    for _ in range(3):
        limiter.acquire()

    assert clock.slept == [10.0]


@pytest.mark.parametrize(("rate", "window"), [(2.0, (2, 1.0)), (0.5, (1, 2.0)), (2.5, (2, 0.8))])
def test_per_second_rates_become_windows_of_whole_calls(
    rate: float, window: tuple[int, float]
) -> None:
    limiter = SlidingWindowLimiter.per_second(rate)

    assert (limiter.max_calls, limiter.period) == pytest.approx(window)


def test_a_penalty_holds_back_the_next_caller_and_never_shortens() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(100, 10.0, clock=clock, sleep=clock.sleep)

    limiter.penalise(5.0)
    limiter.penalise(1.0)
    limiter.acquire()

    assert clock.slept == [5.0]


@pytest.mark.parametrize(("calls", "period"), [(0, 1.0), (1, 0.0)])
def test_impossible_windows_are_refused(calls: int, period: float) -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter(calls, period)


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter.per_second(0)
