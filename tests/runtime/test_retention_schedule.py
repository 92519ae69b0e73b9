"""The daemon prunes at most once per interval across replicas, under a lease; `syncd prune`."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from syncd.cli import app
from syncd.runtime.retention import Retention
from syncd.settings import RetentionSettings
from syncd.store.engine import migrate, open_engine
from syncd.store.schema import outbox

DAY = 86_400_000
NOW = 1_000 * DAY


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _done_action(engine: Engine, rid: str, updated: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(outbox).values(
                key=f"s:{rid}:create_task",
                crm="hubspot",
                kind="create_task",
                source="s",
                response_id=rid,
                version=1,
                payload="{}",
                status="done",
                attempts=1,
                next_attempt_ms=updated,
                created_ms=updated,
                updated_ms=updated,
            )
        )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() or 0)


def test_replicas_share_one_schedule_and_one_lease(engine: Engine) -> None:
    settings = RetentionSettings(interval_seconds=3600)
    clock_a, clock_b = Clock(), Clock()
    a, b = Retention(clock_a), Retention(clock_b)
    _done_action(engine, "r1", NOW - 100 * DAY)

    pruned = a.run_if_due(engine, settings, NOW, lambda _: True)
    assert pruned is not None and pruned.outbox_done == 1
    # Another replica, moments later: the store says it was just done.
    _done_action(engine, "r2", NOW - 100 * DAY)
    assert b.run_if_due(engine, settings, NOW + 60_000, lambda _: True) is None
    assert _count(engine) == 1
    # Neither looks again before its time; then the interval has passed for both.
    clock_a.now = clock_b.now = 1800
    assert a.run_if_due(engine, settings, NOW + 1_800_000, lambda _: True) is None
    clock_a.now = clock_b.now = 3601
    assert b.run_if_due(engine, settings, NOW + 3_601_000, lambda _: False) is None  # lease taken
    again = a.run_if_due(engine, settings, NOW + 3_601_000, lambda _: True)
    assert again is not None and again.outbox_done == 1 and _count(engine) == 0


def test_disabled_retention_never_prunes(engine: Engine) -> None:
    _done_action(engine, "r1", NOW - 100 * DAY)
    off = RetentionSettings(enabled=False)
    assert Retention(Clock()).run_if_due(engine, off, NOW, lambda _: True) is None
    assert _count(engine) == 1


def test_prune_command_dry_run_then_for_real(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(
        f"""
[daemon]
data_dir = "{tmp_path / "data"}"
[sources.delighted]
kind = "delighted"
api_key = "key-0123456789"
[crm]
kind = "hubspot"
access_token = "token-0123456789"
[retention]
outbox_days = 30
""",
        encoding="utf-8",
    )
    engine = open_engine(f"sqlite:///{tmp_path / 'data' / 'syncd.db'}")
    migrate(engine)
    _done_action(engine, "old", 1_000)  # 1970: older than any age
    _done_action(engine, "new", 4_000_000_000_000)  # 2096: never old enough
    runner = CliRunner()

    dry = runner.invoke(app, ["prune", "--dry-run", "-c", str(config)], env={})
    assert dry.exit_code == 0, dry.output
    assert "outbox done: 1" in dry.stdout and "would be pruned" in dry.output
    assert _count(engine) == 2
    real = runner.invoke(app, ["prune", "-c", str(config)], env={})
    assert real.exit_code == 0 and "outbox done: 1" in real.stdout
    assert _count(engine) == 1
    engine.dispose()
