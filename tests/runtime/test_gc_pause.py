"""Start-up runs without cyclic collection and leaves what it built frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from syncd.runtime.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()  # hand this test process's objects back to the collector
    if was_enabled:
        gc.enable()


def test_start_up_pauses_the_collector_then_freezes_what_it_built() -> None:
    gc.unfreeze()
    with collector_paused():
        assert not gc.isenabled()
        built = [[index] for index in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_a_collector_paused_by_the_host_stays_paused_and_nothing_is_frozen() -> None:
    gc.unfreeze()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
