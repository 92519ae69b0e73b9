"""``syncd.clock``: the real clock by default, a simulated one only inside ``simulated``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.clock import SimulatedClock, from_ms, simulated, to_ms, utcnow

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_utcnow_is_the_real_clock_without_a_simulation() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert now.tzinfo is not None
    assert before <= now <= datetime.now(UTC)


def test_utcnow_reads_the_installed_clock_and_the_real_one_comes_back() -> None:
    clock = SimulatedClock(START)
    with simulated(clock) as installed:
        assert installed is clock
        assert utcnow() == START
        clock.advance(timedelta(minutes=15))
        assert utcnow() == START + timedelta(minutes=15)
    assert utcnow() > START + timedelta(days=1)  # the real clock again


def test_the_real_clock_comes_back_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), simulated(SimulatedClock(START)):
        _ = 1 / 0
    assert utcnow() > START + timedelta(days=1)


def test_a_second_simulation_inside_the_first_is_refused() -> None:
    with simulated(SimulatedClock(START)):
        with (
            pytest.raises(RuntimeError, match="already installed"),
            simulated(SimulatedClock(START)),
        ):
            pass
        assert utcnow() == START  # the first one is still in place


def test_a_simulated_clock_stands_still_until_moved() -> None:
    clock = SimulatedClock(START)
    assert clock() == clock() == START
    assert clock.advance(timedelta(hours=1)) == START + timedelta(hours=1)
    assert clock.advance_to(START + timedelta(hours=3)) == START + timedelta(hours=3)


def test_a_simulated_clock_never_runs_backwards() -> None:
    clock = SimulatedClock(START + timedelta(hours=2))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    assert clock.advance_to(START) == START + timedelta(hours=2)  # a past moment: no move
    assert clock() == START + timedelta(hours=2)


def test_a_simulated_clock_is_utc_and_refuses_naive_times() -> None:
    berlin = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    assert SimulatedClock(berlin)() == START
    assert SimulatedClock(berlin)().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedClock(datetime(2026, 11, 23))
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedClock(START).advance_to(datetime(2026, 11, 24))


def test_store_milliseconds_round_trip() -> None:
    assert from_ms(to_ms(START)) == START
