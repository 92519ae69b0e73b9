"""Tracking reads back changes to syncd's tasks only; with ``track_touched_only`` not even
syncd's own untouched creates."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.model import TaskChange, TaskState
from syncd.sandbox.http import LoopbackServer
from tests.connectors.test_hubspot_crm import (
    TOKEN,
    FakeClock,
    calls,
    clock,
    crm,
    fake,
    make_crm,
    server,
    task,
)

__all__ = ["clock", "crm", "fake", "server"]


@pytest.fixture
def narrow(server: LoopbackServer, clock: FakeClock) -> Iterator[HubSpotCrm]:
    client = make_crm(server, clock, track_touched_only=True)
    yield client
    client.close()


@pytest.fixture
def wide(server: LoopbackServer, clock: FakeClock) -> Iterator[HubSpotCrm]:
    client = make_crm(server, clock, track_touched_only=False)
    yield client
    client.close()


def test_without_touched_only_every_change_to_syncds_tasks_is_read(
    fake: HubSpotFake, crm: HubSpotCrm, wide: HubSpotCrm
) -> None:
    contact = fake.add_contact("eve@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = crm.create_tasks([task(f"t{n}", contact) for n in range(3)])

    changes = {c.task_id for page in wide.task_changes(since) for c in page.changes}

    assert changes == set(ids.values())


def test_tasks_syncd_created_and_nobody_touched_cost_one_empty_search(
    fake: HubSpotFake, crm: HubSpotCrm, narrow: HubSpotCrm
) -> None:
    contact = fake.add_contact("ida@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    for start in (0, 100, 200):
        crm.create_tasks([task(f"t{n}", contact) for n in range(start, start + 100)])

    pages = list(narrow.task_changes(since, closed=()))

    assert [len(page.changes) for page in pages] == [0]
    assert calls(fake, "/tasks/search") == 1


def test_status_changes_and_changes_to_older_tasks_are_read(
    fake: HubSpotFake, crm: HubSpotCrm, narrow: HubSpotCrm
) -> None:
    contact = fake.add_contact("joe@example.com")
    owner = fake.add_owner("kim@example.com", "Kim", "Park")
    ids = crm.create_tasks([task(f"t{n}", contact) for n in range(4)])
    time.sleep(0.01)
    since = datetime.now(UTC)
    time.sleep(0.01)
    fake.complete_task(str(ids["t0"]))
    fake.reassign_task(str(ids["t1"]), owner)  # created before `since`
    fake.set_task_status(str(ids["t2"]), "DEFERRED")

    changes = {c.task_id: c for page in narrow.task_changes(since, closed=()) for c in page.changes}

    assert set(changes) == {ids["t0"], ids["t1"], ids["t2"]}  # t3: untouched
    assert changes[str(ids["t0"])].state is TaskState.COMPLETED
    assert changes[str(ids["t1"])].owner_id == owner
    assert changes[str(ids["t2"])].state is TaskState.OPEN


def _read(client: HubSpotCrm, since: datetime, closed: tuple[str, ...]) -> dict[str, TaskChange]:
    pages = client.task_changes(since, closed=closed)
    return {change.task_id: change for page in pages for change in page.changes}


def test_a_young_task_reopened_after_its_loop_closed_is_read_when_named(
    fake: HubSpotFake, crm: HubSpotCrm, narrow: HubSpotCrm
) -> None:
    contact = fake.add_contact("ola@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = crm.create_tasks([task("t0", contact)])
    done = str(ids["t0"])
    fake.complete_task(done)
    assert _read(narrow, since, ())[done].state is TaskState.COMPLETED
    fake.reopen_task(done)  # back to "not started", still younger than the window

    assert done not in _read(narrow, since, ())  # what the hint is for
    searches = calls(fake, "/tasks/search")
    reopened = _read(narrow, since, (done,))[done]

    assert reopened.state is TaskState.OPEN
    assert calls(fake, "/tasks/search") == searches + 1  # still one search


def test_without_the_list_of_closed_tasks_every_change_is_read(
    fake: HubSpotFake, crm: HubSpotCrm, narrow: HubSpotCrm
) -> None:
    contact = fake.add_contact("pia@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = crm.create_tasks([task(f"t{n}", contact) for n in range(3)])

    changes = {c.task_id for page in narrow.task_changes(since) for c in page.changes}

    assert changes == {str(i) for i in ids.values()}


def test_tasks_people_created_themselves_are_not_read(
    fake: HubSpotFake, crm: HubSpotCrm, server: LoopbackServer
) -> None:
    contact = fake.add_contact("lia@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = crm.create_tasks([task("t0", contact)])
    fake.complete_task(str(ids["t0"]))
    theirs = httpx.post(
        f"{server.base_url}/crm/v3/objects/tasks",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"properties": {"hs_task_subject": "Call back", "hs_timestamp": "1800000000000"}},
    ).json()["id"]
    fake.complete_task(theirs)

    changes = [c.task_id for page in crm.task_changes(since) for c in page.changes]

    assert changes == [ids["t0"]]
