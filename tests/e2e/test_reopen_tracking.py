"""With the default narrowed tracking (syncd's untouched new tasks are not read back), a task
completed and reopened while younger than the overlap window still reopens its loop: the track
stage names the tasks it holds as closed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from syncd.store.schema import loops
from tests.e2e.helpers import hubspot_of, sandbox_settings


def _closed(engine: Engine, task_id: str) -> int | None:
    with engine.connect() as conn:
        closed: int | None = conn.execute(
            select(loops.c.closed_ms).where(loops.c.task_id == task_id)
        ).scalar_one()
    return closed


def test_a_task_reopened_soon_after_it_was_completed_reopens_its_loop(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        assert settings.crm.model_extra is not None
        assert settings.crm.model_extra.get("track_touched_only", True) is not False
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=10)
        fake = hubspot_of(sandbox)
        daemon = build_daemon(settings)
        daemon.run_once()
        task_id = str(fake.tasks()[0]["id"])

        fake.complete_task(task_id)
        daemon.run_once()
        assert _closed(daemon.engine, task_id) is not None

        fake.reopen_task(task_id)  # ticked by mistake, minutes after it was created
        summary = daemon.run_once()
        daemon.close()

    assert summary.track.matched >= 1
    assert _closed(daemon.engine, task_id) is None
