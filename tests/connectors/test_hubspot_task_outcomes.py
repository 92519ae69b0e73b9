"""HubSpot: escalation updates (owner only) and task outcomes read with the changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.model import Priority, TaskState, TaskUpdate
from syncd.sandbox.http import LoopbackServer
from tests.connectors.test_hubspot_crm import TOKEN, FakeClock, make_crm, task


@pytest.fixture
def fake() -> HubSpotFake:
    portal = HubSpotFake(token=TOKEN, search_lag_seconds=0.0, ten_second_limit=190)
    portal.set_up()
    return portal


@pytest.fixture
def server(fake: HubSpotFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


def _crm(server: LoopbackServer, **fields: str) -> HubSpotCrm:
    return make_crm(server, FakeClock(), fields=fields) if fields else make_crm(server, FakeClock())


def test_an_escalation_reassigns_and_leaves_the_text(
    fake: HubSpotFake, server: LoopbackServer
) -> None:
    crm = _crm(server)
    lead = fake.add_owner("lead@example.com", "Lea", "Lead")
    contact = fake.add_contact("sam@example.com")
    task_id = crm.create_tasks([task("t1", contact)])["t1"]
    assert isinstance(task_id, str)

    outcome = crm.update_tasks([TaskUpdate("d:r1:escalate_task", task_id, None, None, None, lead)])

    assert outcome == {"d:r1:escalate_task": task_id}
    props = fake.tasks()[0]["properties"]
    assert props["hubspot_owner_id"] == lead
    assert (props["hs_task_subject"], props["hs_task_body"]) == (
        "Follow up t1",
        "Customer answered 3.",
    )
    assert props["hs_task_priority"] == "HIGH"


def test_an_escalation_to_an_unknown_owner_is_rejected(
    fake: HubSpotFake, server: LoopbackServer
) -> None:
    crm = _crm(server)
    contact = fake.add_contact("sam@example.com")
    task_id = crm.create_tasks([task("t1", contact)])["t1"]
    assert isinstance(task_id, str)
    outcome = crm.update_tasks([TaskUpdate("e", task_id, None, None, Priority.HIGH, "999999")])
    assert not isinstance(outcome["e"], str)


def test_the_configured_outcome_property_is_read_with_changes(
    fake: HubSpotFake, server: LoopbackServer
) -> None:
    fake.define_property("tasks", "nps_outcome")
    crm = _crm(server, task_outcome="nps_outcome")
    contact = fake.add_contact("sam@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = crm.create_tasks([task("t1", contact), task("t2", contact)])
    fake.complete_task(str(ids["t1"]), nps_outcome="  resolved ")
    fake.complete_task(str(ids["t2"]))

    changes = {c.task_id: c for page in crm.task_changes(since) for c in page.changes}

    first, second = changes[str(ids["t1"])], changes[str(ids["t2"])]
    assert (first.state, first.outcome, first.body) == (TaskState.COMPLETED, "resolved", None)
    assert (second.state, second.outcome) == (TaskState.COMPLETED, None)


def test_without_an_outcome_property_the_body_is_read(
    fake: HubSpotFake, server: LoopbackServer
) -> None:
    crm = _crm(server)
    contact = fake.add_contact("sam@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    task_id = str(crm.create_tasks([task("t1", contact)])["t1"])
    fake.complete_task(task_id, hs_task_body="Customer answered 3.<br>Called, refunded.")

    (change,) = [c for page in crm.task_changes(since) for c in page.changes]

    assert change.outcome is None
    assert change.body == "Customer answered 3.<br>Called, refunded."
