"""SIGTERM ends ``syncd run`` within seconds whatever the survey API does with its listing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.sources.delighted.fake import DelightedFake
from connectors.sources.delighted.fake.faults import Fault
from syncd.clock import utcnow
from tests.e2e.helpers import delighted_of, sandbox_settings, write_config

#: Seconds a stopped daemon may take to finish its pass, release its claims and exit.
GRACE = 15
#: List requests to wait for: the fault is being served when the signal arrives.
REQUESTS_SEEN = {Fault.ENDLESS: 4, Fault.REPEAT: 2, Fault.TRICKLE: 1}


def _wait_for_requests(fake: DelightedFake, count: int, daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # startup (imports, migrations) under load
    while len(fake.requests) < count:
        assert daemon.poll() is None, "the daemon exited before the fault was served"
        assert time.monotonic() < deadline, "the daemon never reached the survey API"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("fault", list(Fault))
def test_sigterm_ends_the_daemon_whatever_the_listing_does(tmp_path: Path, fault: Fault) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        for days in (13, 6, 0):  # something in every window, so every page takes its time
            delighted_of(sandbox).add_response(
                email=f"dana{days}@client.example",
                score=3,
                created_at=utcnow() - timedelta(days=days, hours=1),
            )
        delighted_of(sandbox).misbehave(fault)
        config = write_config(settings, tmp_path / "syncd.toml")
        with (tmp_path / "daemon.log").open("wb") as log:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "syncd.cli", "run", "--config", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                _wait_for_requests(delighted_of(sandbox), REQUESTS_SEEN[fault], daemon)
                time.sleep(0.5)  # inside the pass: paging, or mid-way through a trickled body
                daemon.send_signal(signal.SIGTERM)
                assert daemon.wait(timeout=GRACE) == 0
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait()
