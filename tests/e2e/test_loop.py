"""The whole loop against the sandbox, checked on the sandbox CRM's final state."""

from __future__ import annotations

import random
from pathlib import Path

from syncd.clock import utcnow
from syncd.report import build_report
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import add_late_comments, seed, work_tasks
from syncd.store import quarantine
from tests.e2e.helpers import (
    delighted_of,
    expected_task_contacts,
    hubspot_of,
    sandbox_settings,
    task_counts,
)

RULE_TEAMS = {
    "detractor": "Support",
    "passive": "Customer Success",
    "promoter": "Customer Marketing",
}


def test_every_answer_reaches_its_contact_once_with_a_task_for_the_right_team(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        world = seed(sandbox.source, sandbox.crm, now=utcnow(), responses=120)
        daemon = build_daemon(settings)
        daemon.run_once()
        add_late_comments(sandbox.source, world, random.Random(1))
        daemon.run_once()
        daemon.run_once()
        expected = expected_task_contacts(world)
        assert task_counts(sandbox) == dict.fromkeys(expected, 1)
        owner_team = world.owners
        for task in hubspot_of(sandbox).tasks():
            (contact_id,) = task["contact_ids"]
            contact = hubspot_of(sandbox).contact_by_email(expected[contact_id])
            assert contact is not None
            props = contact["properties"]
            category = props["nps_category"]
            assert props["nps_score"] not in (None, "")
            assert owner_team[task["properties"]["hubspot_owner_id"]] == RULE_TEAMS[category]
            assert task["properties"]["hs_task_priority"] == (
                "HIGH" if category == "detractor" else "MEDIUM" if category == "passive" else "LOW"
            )
        for email in world.unknown_emails:
            assert hubspot_of(sandbox).contact_by_email(email) is None  # never created
        with daemon.engine.connect() as conn:
            reasons = {(i.response_id, i.reason_code) for i in quarantine.unresolved(conn)}
        unknown_ids = {
            rid for rid, email in world.responses.items() if email in world.unknown_emails
        }
        assert {rid for rid, code in reasons if code == "unknown_contact"} == unknown_ids
        assert {rid for rid, code in reasons if code == "malformed"} == world.malformed
        daemon.close()


def test_late_comment_updates_contact_and_open_task_without_a_second_task(
    tmp_path: Path,
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        hubspot, delighted = hubspot_of(sandbox), delighted_of(sandbox)
        owner = hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact_id = hubspot.add_contact("dana@client.example", owner_id=owner)
        response_id = delighted.add_response(email="dana@client.example", score=4)
        daemon = build_daemon(settings)
        daemon.run_once()
        (task,) = hubspot.tasks_for_contact(contact_id)
        assert "(no comment)" in task["properties"]["hs_task_body"]
        delighted.update_response(response_id, comment="Export has been broken for a week")
        daemon.run_once()
        tasks = hubspot.tasks_for_contact(contact_id)
        assert [t["id"] for t in tasks] == [task["id"]]
        assert "Export has been broken" in tasks[0]["properties"]["hs_task_body"]
        contact = hubspot.contact_by_email("dana@client.example")
        assert contact is not None
        assert contact["properties"]["nps_comment"] == "Export has been broken for a week"
        daemon.close()


def test_loop_closure_is_tracked_from_task_state(tmp_path: Path) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=40)
        daemon = build_daemon(settings)
        daemon.run_once()
        worked = work_tasks(sandbox.crm, random.Random(3))
        summary = daemon.run_once()
        assert summary.track.matched >= worked["completed"]
        with daemon.engine.connect() as conn:
            report = build_report(conn, now=utcnow())
        assert report.overall.closed == worked["completed"]
        daemon.close()
