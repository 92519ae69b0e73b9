"""A stage's time and CRM calls in a pass, when two of its slices overlap (delivery's lanes)."""

from __future__ import annotations

from typing import Any

from syncd.observability.stage_clock import StageClock


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_overlapping_slices_of_a_stage_count_once() -> None:
    clock = _Clock()
    stages = StageClock(clock)
    call: Any = None
    stages.start("deliver")  # the contacts lane, at 0
    clock.now = 1.0
    stages.start("deliver")  # the task lane joins
    stages.count(call)
    clock.now = 2.0
    stages.stop("deliver")  # the contacts lane is done
    stages.count(call)
    clock.now = 3.0
    stages.stop("deliver")  # and the task lane
    cost = stages.cost("deliver")
    assert (cost.seconds, cost.crm_calls) == (3.0, 2)


def test_separate_slices_add_up() -> None:
    clock = _Clock()
    stages = StageClock(clock)
    for began in (0.0, 10.0):
        clock.now = began
        stages.start("plan")
        clock.now = began + 0.5
        stages.stop("plan")
    assert stages.cost("plan").seconds == 1.0
    stages.stop("plan")  # a stop without a start changes nothing
    assert stages.cost("plan").seconds == 1.0
