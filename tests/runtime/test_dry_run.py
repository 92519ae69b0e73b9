"""``syncd plan``: the CRM writes waiting work would cause, with nothing kept."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from syncd.cli import app
from syncd.clock import to_ms
from syncd.routing_settings import RoutingSettings
from syncd.runtime.dry_run import dry_run
from syncd.store import inbox
from syncd.store.engine import migrate, open_engine
from syncd.store.schema import inbox as inbox_table
from syncd.store.schema import loops as loops_table
from syncd.store.schema import outbox as outbox_table
from tests.pipeline.flow import T0, answer, plan, rule

THROTTLED = RoutingSettings(
    rules=(rule(once_per_days=30, team="Support", owner=("team_contact_owner", "least_open")),)
)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in (inbox_table, outbox_table, loops_table)
        )


def test_lists_planned_and_waiting_writes_and_keeps_nothing(engine: Engine) -> None:
    plan(engine, answer("r0", email="zoe@x.example"), settings=THROTTLED)  # already waiting
    with engine.begin() as conn:
        inbox.store_response(conn, answer("r1"), to_ms(T0))
        inbox.store_response(conn, answer("r2", comment="again"), to_ms(T0))
    before = _counts(engine)

    found = dry_run(engine, "stub", THROTTLED, ZoneInfo("UTC"), now_ms=to_ms(T0))

    assert _counts(engine) == before
    with engine.connect() as conn:
        waiting = conn.execute(
            select(func.count()).select_from(inbox_table).where(inbox_table.c.needs_plan)
        ).scalar()
    assert waiting == 2  # still to be planned for real
    assert found.counts() == {"sync_contact": 3, "create_task": 2}
    origins = {e.key: e.origin for e in found.effects}
    assert origins["d:r0:create_task"] == "waiting"  # for its contact sync
    assert origins["d:r1:create_task"] == "planned"
    assert found.no_task == {"d:r2": "throttled"}
    create = next(e for e in found.effects if e.key == "d:r1:create_task")
    assert create.details["owner"] == "team_contact_owner > least_open"
    assert create.details["team"] == "Support" and create.details["due"].startswith("2026-11-05")
    sync = next(e for e in found.effects if e.key == "d:r2:sync_contact")
    assert sync.details["comment"] == "yes" and "again" not in str(sync.details)


def test_limit_plans_the_first_answers_only(engine: Engine) -> None:
    with engine.begin() as conn:
        for n in range(3):
            inbox.store_response(conn, answer(f"r{n}", email=f"p{n}@x.example"), to_ms(T0))
    found = dry_run(engine, "stub", THROTTLED, ZoneInfo("UTC"), now_ms=to_ms(T0), limit=2)
    assert (found.plan.planned, found.truncated) == (2, True)


def test_the_command_reads_the_store_without_secrets(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(
        f"""
[daemon]
data_dir = "{tmp_path / "data"}"
[sources.d]
kind = "delighted"
api_key = "env:UNSET_KEY"
[crm]
kind = "hubspot"
name = "stub"
access_token = "env:UNSET_TOKEN"
""",
        encoding="utf-8",
    )
    missing = CliRunner().invoke(app, ["plan", "--config", str(config)])
    assert missing.exit_code == 2 and "no store" in missing.output

    (tmp_path / "data").mkdir()
    engine = open_engine(f"sqlite:///{tmp_path / 'data' / 'syncd.db'}")
    migrate(engine)
    with engine.begin() as conn:
        inbox.store_response(conn, answer("r1"), to_ms(T0))
    engine.dispose()
    shown = CliRunner().invoke(app, ["plan", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "create_task  planned   d:r1:create_task" in shown.output
    assert "1 waiting answer(s) planned (dry run, nothing kept)" in shown.output
    as_json = CliRunner().invoke(app, ["plan", "--json", "--config", str(config)])
    assert '"create_task": 1' in as_json.output
