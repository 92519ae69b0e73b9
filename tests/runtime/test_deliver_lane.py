"""The delivery lane: delivers on its own thread, never ends before delivering the last plan."""

from __future__ import annotations

import random
import threading
import time

from syncd.runtime.deliver_lane import DeliverLane


def test_everything_planned_before_the_exit_is_delivered() -> None:
    # Deliveries take a while and plans land at random moments, some while a delivery runs:
    # the lane must not end on a delivery that began before the last plan.
    rng = random.Random(7)
    planned: list[int] = []
    delivered: list[int] = []
    lock = threading.Lock()

    def deliver() -> None:
        with lock:
            batch = planned[len(delivered) :]
        time.sleep(rng.uniform(0, 0.004))
        delivered.extend(batch)

    for _ in range(30):
        planned.clear()
        delivered.clear()
        with DeliverLane(deliver) as lane:
            for item in range(rng.randint(1, 20)):
                with lock:
                    planned.append(item)
                lane.nudge()
                time.sleep(rng.uniform(0, 0.002))
        assert delivered == planned


def test_delivery_overlaps_the_planning_thread() -> None:
    # A delivery waiting on the CRM must not hold up the thread that plans.
    in_crm = threading.Event()
    answer = threading.Event()
    threads: list[str] = []

    def deliver() -> None:
        threads.append(threading.current_thread().name)
        in_crm.set()
        assert answer.wait(5)

    with DeliverLane(deliver) as lane:
        lane.nudge()
        assert in_crm.wait(5)
        planned_meanwhile = True  # this thread goes on while the delivery waits
        answer.set()
    assert planned_meanwhile
    assert threads and threading.current_thread().name not in threads


def test_a_failed_delivery_leaves_the_lane_working() -> None:
    calls: list[int] = []

    def deliver() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("CRM fell over")

    with DeliverLane(deliver) as lane:
        lane.nudge()
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        lane.nudge()
    assert len(calls) >= 2


def test_a_lane_never_nudged_delivers_nothing() -> None:
    calls: list[str] = []
    with DeliverLane(lambda: calls.append("delivered")):
        pass
    assert calls == []
