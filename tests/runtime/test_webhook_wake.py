"""An answer pushed by webhook wakes the resting daemon: its task is created at once, not at
the next pass (which here is an hour away)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from syncd.runtime.compose import build_daemon, serving
from tests.e2e.helpers import sandbox_settings, task_counts
from tests.intake.support import response_event, signed
from tests.runtime.test_port_routes import SANDBOX_KEY, _post

#: Far longer than the test waits: only a wake can deliver the pushed answer in time.
HOUR = "3600"


def test_a_pushed_answer_is_delivered_while_the_daemon_rests(tmp_path: Path) -> None:
    env = {"SYNCD__DAEMON__INTERVAL_SECONDS": HOUR}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        contact = sandbox.crm.add_contact("dana.kowalski@example.org")
        daemon = build_daemon(settings)
        stop, resting = threading.Event(), threading.Event()
        runner = threading.Thread(
            target=daemon.run_forever, args=(stop, lambda _: resting.set()), daemon=True
        )
        try:
            with serving(settings, daemon) as server:
                assert server is not None
                runner.start()
                assert resting.wait(60), "the first pass did not end"
                body = response_event("w-9", score=2, comment="pushed while resting")
                status, stored = _post(
                    server.port, "/webhooks/delighted", body, signed(body, SANDBOX_KEY)
                )
                assert (status, stored.get("stored")) == (200, 1)
                delivered = _wait_for(lambda: task_counts(sandbox).get(contact) == 1)
        finally:
            stop.set()
            runner.join(timeout=30)
            daemon.close()
    assert delivered, "the pushed answer waited for the next pass"
    assert not runner.is_alive()


def _wait_for(condition: object, seconds: float = 30.0) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
