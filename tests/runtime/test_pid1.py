"""``syncd run`` as PID 1, as the image's exec form runs it: SIGTERM still stops it cleanly.

The kernel ignores any signal PID 1 has no handler for, so a daemon that relied on the default
action would never stop and be killed after the grace period. Each test runs syncd as the first
process of its own PID namespace (``unshare``), during startup and in the middle of a batch.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.clock import utcnow
from syncd.sandbox.world import seed
from syncd.store.engine import open_engine
from syncd.store.outbox import Status
from syncd.store.schema import outbox
from tests.e2e.helpers import hubspot_of, sandbox_settings, write_config
from tests.e2e.test_crash_safety import _slow_task_creates
from tests.runtime.process import Syncd, closed_port, minimal_config

pytestmark = pytest.mark.slow

AS_PID_1 = ("unshare", "--pid", "--fork", "--kill-child")
#: Seconds a stopped daemon may take to finish its batch, release its claims and exit.
GRACE = 20


def _can_be_pid_1() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run([*AS_PID_1, "true"], capture_output=True, check=False).returncode == 0


@pytest.fixture(autouse=True)
def _pid_namespaces() -> None:
    if not _can_be_pid_1():
        pytest.skip("new PID namespaces need unshare and the right to create them (root)")


def _pid_1_of(wrapper: subprocess.Popen[str]) -> int:
    """The host pid of syncd, PID 1 of the namespace ``unshare`` made."""
    children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children")
    deadline = time.monotonic() + 30
    while not (found := children.read_text().split()):
        assert time.monotonic() < deadline, "unshare started no process"
        time.sleep(0.05)
    pid = int(found[0])
    status = Path(f"/proc/{pid}/status").read_text()
    namespaced = next(line for line in status.splitlines() if line.startswith("NSpid:"))
    assert namespaced.split()[-1] == "1", namespaced
    return pid


def test_sigterm_to_pid_1_during_startup_exits_0(tmp_path: Path) -> None:
    daemon = (
        f'database_url = "postgresql://syncd@127.0.0.1:{closed_port()}/syncd"\n'
        "connect_timeout_seconds = 120"
    )
    config = minimal_config(tmp_path / "syncd.toml", daemon=daemon)
    syncd = Syncd("run", "--config", str(config), prefix=AS_PID_1)
    pid = _pid_1_of(syncd.proc)
    assert syncd.wait_for("store not reachable yet"), syncd.lines
    os.kill(pid, signal.SIGTERM)
    assert syncd.finish(timeout=GRACE) == 0, syncd.lines


def test_sigterm_to_pid_1_mid_batch_exits_0_and_holds_no_claim(tmp_path: Path) -> None:
    env = {"SYNCD__DELIVERY__BATCH_SIZE": "5", "SYNCD__DAEMON__INTERVAL_SECONDS": "0.5"}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=120)
        _slow_task_creates(sandbox)
        config = write_config(settings, tmp_path / "syncd.toml")
        syncd = Syncd("run", "--config", str(config), prefix=AS_PID_1)
        try:
            pid = _pid_1_of(syncd.proc)
            deadline = time.monotonic() + 120  # imports, migrations, first poll under load
            while not any(
                p.endswith("/tasks/batch/create") for _, p in hubspot_of(sandbox).requests
            ):
                assert syncd.proc.poll() is None, syncd.lines
                assert time.monotonic() < deadline, "no task batch was ever sent"
                time.sleep(0.05)
            os.kill(pid, signal.SIGTERM)  # a task batch is in flight (answers take 0.3 s)
            assert syncd.finish(timeout=GRACE) == 0, syncd.lines
        finally:
            if syncd.proc.poll() is None:
                syncd.proc.kill()
                syncd.finish()
        engine = open_engine(settings.daemon.resolved_database_url())
        with engine.connect() as conn:
            held = conn.execute(
                sa.select(sa.func.count())
                .select_from(outbox)
                .where(outbox.c.status == Status.IN_FLIGHT.value)
            ).scalar()
        engine.dispose()
        assert held == 0
