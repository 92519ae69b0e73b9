"""The results of a pass's two delivery lanes add up to one."""

from __future__ import annotations

from syncd.model import ResponseKey
from syncd.pipeline.deliver.context import DeliverResult


def test_adding_a_result_sums_every_count() -> None:
    contacts = DeliverResult(contacts_updated=3, retried=1, by_kind={"sync_contact": 3})
    tasks = DeliverResult(
        tasks_created=2,
        retried=2,
        dead=1,
        by_kind={"create_task": 3},
        created=[ResponseKey("delighted", "1")],
    )
    contacts.add(tasks)
    assert contacts == DeliverResult(
        contacts_updated=3,
        tasks_created=2,
        retried=3,
        dead=1,
        by_kind={"sync_contact": 3, "create_task": 3},
        created=[ResponseKey("delighted", "1")],
    )
