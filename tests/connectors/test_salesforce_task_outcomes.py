"""Salesforce: escalation updates (owner or priority only) and task outcomes read with changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.crm.salesforce.fake import SalesforceFake
from syncd.model import Priority, TaskState, TaskUpdate
from tests.connectors.salesforce_kit import NOW, served, task


@pytest.fixture
def fake() -> SalesforceFake:
    org = SalesforceFake()
    org.set_up()
    return org


def test_an_escalation_reassigns_and_leaves_the_text(fake: SalesforceFake) -> None:
    contact = fake.add_contact("pat@example.com")
    lead = fake.add_owner("lead@example.com", "Lea", "Lead")
    with served(fake) as (crm, _):
        [task_id] = crm.create_tasks([task("t1", contact)]).values()
        outcome = crm.update_tasks([TaskUpdate("e", str(task_id), None, None, None, lead)])
    assert outcome == {"e": task_id}
    (stored,) = fake.tasks()
    props = stored["properties"]
    assert props["OwnerId"] == lead
    assert (props["Subject"], props["Description"], props["Priority"]) == (
        "Follow up t1",
        "Customer answered 3.",
        "High",
    )


def test_raising_priority_alone(fake: SalesforceFake) -> None:
    contact = fake.add_contact("pat@example.com")
    low = task("t1", contact)
    with served(fake) as (crm, _):
        [task_id] = crm.create_tasks([low]).values()
        crm.update_tasks([TaskUpdate("e", str(task_id), None, None, Priority.LOW)])
    assert fake.tasks()[0]["properties"]["Priority"] == "Low"
    assert fake.tasks()[0]["properties"]["Subject"] == "Follow up t1"


def test_the_configured_outcome_field_is_read_with_changes(fake: SalesforceFake) -> None:
    fake.define_property("tasks", "NPS_Outcome__c")
    contact = fake.add_contact("pat@example.com")
    with served(fake, fields={"task_outcome": "NPS_Outcome__c"}) as (crm, _):
        ids = crm.create_tasks([task("t1", contact), task("t2", contact)])
        fake.complete_task(str(ids["t1"]), NPS_Outcome__c="Resolved")
        fake.complete_task(str(ids["t2"]))
        changes = {
            c.task_id: c
            for page in crm.task_changes(NOW - timedelta(minutes=5))
            for c in page.changes
        }
    first, second = changes[str(ids["t1"])], changes[str(ids["t2"])]
    assert (first.state, first.outcome, first.body) == (TaskState.COMPLETED, "Resolved", None)
    assert (second.state, second.outcome) == (TaskState.COMPLETED, None)


def test_without_an_outcome_field_the_comments_are_read(fake: SalesforceFake) -> None:
    contact = fake.add_contact("pat@example.com")
    with served(fake) as (crm, _):
        [task_id] = crm.create_tasks([task("t1", contact)]).values()
        fake.complete_task(str(task_id), Description="Customer answered 3.\nCalled back.")
        [change] = [
            c for page in crm.task_changes(NOW - timedelta(minutes=5)) for c in page.changes
        ]
    assert (change.outcome, change.body) == (None, "Customer answered 3.\nCalled back.")
