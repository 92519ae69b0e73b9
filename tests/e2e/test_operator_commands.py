"""``syncd deadletter`` and ``syncd quarantine``: an admin who fixed the cause gets every answer
through, exactly once."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from syncd.cli import app
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load
from syncd.sandbox.world import seed
from tests.e2e.helpers import (
    delighted_of,
    expected_task_contacts,
    hubspot_of,
    sandbox_settings,
    task_counts,
    write_config,
)

runner = CliRunner()


def _syncd(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout.splitlines()


def test_dead_letters_replayed_after_the_fix_reach_the_crm_exactly_once(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=12)
        fixed = write_config(settings, tmp_path / "fixed.toml")
        broken = write_config(settings, tmp_path / "broken.toml")
        with broken.open("a", encoding="utf-8") as toml:
            toml.write('[crm.fields]\ncategory = "nps_score"\n')  # "promoter" into a number
        daemon = build_daemon(load(broken))
        assert daemon.run_once().deliver.dead == len(world.contacts)
        daemon.close()

        code, dead = _syncd("deadletter", "list", "-c", str(fixed), "--kind", "sync_contact")
        assert code == 0 and len(dead) == len(world.contacts)
        assert all("was not a valid number" in line for line in dead)
        assert _syncd("deadletter", "replay", "-c", str(fixed))[0] == 2  # nothing chosen
        code, dry = _syncd("deadletter", "replay", "--all", "--dry-run", "-c", str(fixed))
        assert code == 0 and len(dry) == len(world.contacts)
        code, replayed = _syncd(
            "deadletter", "replay", "-c", str(fixed), "--reason-contains", "VALID NUMBER"
        )
        # every dead contact sync, and the task create that was skipped because of it
        assert code == 0 and len(replayed) == 2 * len(world.contacts)

        for _ in range(2):  # a second pass and a second replay must not add anything
            daemon = build_daemon(load(fixed))
            daemon.run_once()
            daemon.close()
            assert _syncd("deadletter", "replay", "--all", "-c", str(fixed))[1] == []
        assert task_counts(sandbox) == dict.fromkeys(expected_task_contacts(world), 1)
        for email in world.contacts:
            contact = hubspot_of(sandbox).contact_by_email(email)
            assert contact is not None and contact["properties"]["nps_category"]
        assert _syncd("deadletter", "list", "-c", str(fixed))[1] == []


def test_quarantine_replay_of_an_unknown_contact_after_it_was_added(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot, delighted = hubspot_of(sandbox), delighted_of(sandbox)
        hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        delighted.add_response(email="new@client.example", score=3)
        delighted.add_response(email="bad@client.example", score=14)
        config = write_config(settings, tmp_path / "syncd.toml")
        daemon = build_daemon(load(config))
        daemon.run_once()

        code, listed = _syncd("quarantine", "list", "-c", str(config), "--reason=unknown_contact")
        assert code == 0 and len(listed) == 1 and "new@client.example" in listed[0]
        contact_id = hubspot.add_contact("new@client.example")
        code, out = _syncd("quarantine", "replay", "--all", "-c", str(config))
        replayed = [line for line in out if line.startswith("replayed")]
        left = [line for line in out if line.startswith("left")]
        assert code == 0 and len(replayed) == 2  # the contact sync and its skipped task
        assert len(left) == 1 and "poll" in left[0] and "at the source" in left[0]

        daemon.run_once()
        daemon.close()
        assert len(hubspot.tasks_for_contact(contact_id)) == 1
        contact = hubspot.contact_by_email("new@client.example")
        assert contact is not None and contact["properties"]["nps_score"] == "3"

        assert _syncd("quarantine", "resolve", "-c", str(config), "--stage", "poll")[0] == 0
        assert _syncd("quarantine", "list", "-c", str(config))[1] == []
        code, everything = _syncd("quarantine", "list", "--resolved", "-c", str(config))
        assert code == 0 and len(everything) == 2
