"""The HubSpot connector's real traffic, checked against HubSpot's own OpenAPI documents.

Stoplight Prism sits in proxy mode between the connector and the HubSpot fake: every request the
connector sends and every answer the fake gives is validated against the documents of npm
``@opensdks/sdk-hubspot`` (installed at test time, never committed). Any violation fails unless
``prism/allowed.py`` names it. Needs Node and npm: skipped without them, a failure in CI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.crm.hubspot.crm import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.settings import HubSpotSettings
from syncd.model import (
    EMAIL,
    ContactUpdate,
    NpsCategory,
    NpsFields,
    Priority,
    TaskSpec,
    TaskUpdate,
)
from syncd.sandbox.http import LoopbackServer
from tests.contracts.prism.allowed import unexplained
from tests.contracts.prism.npm import NpmUnavailable, installed
from tests.contracts.prism.proxy import Prism, Violation, prism_proxy
from tests.contracts.prism.specs import UNCOVERED

pytestmark = pytest.mark.npm
TOKEN = "prism-token"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    try:
        return installed()
    except NpmUnavailable as missing:
        if os.environ.get("CI"):
            pytest.fail(f"the Prism contract checks are required in CI: {missing}")
        pytest.skip(f"Prism contract checks need Node and npm: {missing}")


@pytest.fixture(scope="module")
def fake() -> HubSpotFake:
    portal = HubSpotFake(TOKEN, search_lag_seconds=0)  # the check is about shapes, not lag
    portal.set_up()
    return portal


@pytest.fixture(scope="module")
def prism(
    node_modules: Path, fake: HubSpotFake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prism]:
    with LoopbackServer(fake) as server:
        workdir = tmp_path_factory.mktemp("prism")
        with prism_proxy(node_modules, server.base_url, workdir) as proxy:
            yield proxy


@pytest.fixture
def crm(prism: Prism) -> Iterator[HubSpotCrm]:
    settings = HubSpotSettings.model_validate({"base_url": prism.url, "access_token": TOKEN})
    connector = HubSpotCrm("prism", settings, sleep=lambda _: None, clock=time.monotonic)
    yield connector
    connector.close()


def checked(prism: Prism, operation: Callable[[], Any]) -> tuple[Any, list[Violation]]:
    """Run ``operation``; return its result and the violations its traffic caused."""
    before = len(prism.violations())
    result = operation()
    return result, prism.violations()[before:]


def _fields(score: int) -> NpsFields:
    return NpsFields(
        score=score,
        category=NpsCategory.from_score(score),
        responded_at=NOW,
        comment="ok",
        link="https://surveys.example/r/1",
        survey="Q1 NPS",
        source="prism",
    )


def _task(key: str, contact_id: str, owner_id: str) -> TaskSpec:
    return TaskSpec(
        key=key,
        contact_id=contact_id,
        owner_id=owner_id,
        subject=f"Follow up {key}",
        body="Customer answered 3.",
        priority=Priority.HIGH,
        due_at=NOW + timedelta(days=2),
    )


def test_contacts_are_found_and_updated_within_hubspots_documents(
    prism: Prism, fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    ada = fake.add_contact("ada@prism.example")
    emails = ["ada@prism.example", "nobody@prism.example"]  # one unknown: HubSpot answers 207
    found, reading = checked(prism, lambda: crm.find_contacts(EMAIL, emails))
    updated, writing = checked(
        prism, lambda: crm.update_contacts([ContactUpdate("u", ada, _fields(3))])
    )

    marks = [ContactUpdate("m", ada, None, NOW), ContactUpdate("c", ada, None, None)]
    marked, marking = checked(prism, lambda: crm.update_contacts(marks))

    assert found["ada@prism.example"].id == ada and updated == {"u": ada}
    assert marked == {"m": ada, "c": ada}
    assert reading, "the 207's error items are known artefacts: the log must show them"
    assert unexplained(reading) == [] and writing == [] and marking == []


def test_tasks_are_upserted_associated_updated_and_tracked_within_hubspots_documents(
    prism: Prism, fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    owner = fake.add_owner("sam@prism.example", "Sam", "Ortiz", teams=["Support"])
    contact = fake.add_contact("bob@prism.example", owner_id=owner)
    specs = [_task(f"prism:{n}", contact, owner) for n in range(3)]
    created, creating = checked(prism, lambda: crm.create_tasks(specs))
    task_id = created["prism:0"]
    update = TaskUpdate("tu", task_id, "Call back", "Twice", Priority.LOW)
    updated, updating = checked(prism, lambda: crm.update_tasks([update]))
    fake.complete_task(task_id)
    changes, tracking = checked(prism, lambda: list(crm.task_changes(NOW - timedelta(hours=1))))

    assert set(created) == {spec.key for spec in specs} and updated == {"tu": task_id}
    assert any(change.task_id == task_id for page in changes for change in page.changes)
    assert unexplained(creating + updating + tracking) == []


def test_owners_are_listed_within_hubspots_documents(
    prism: Prism, fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    fake.add_owner("mia@prism.example", "Mia", "Kowalski", teams=["Customer Marketing"])
    owners, listing = checked(prism, crm.list_owners)

    assert any(owner.email == "mia@prism.example" for owner in owners)
    assert unexplained(listing) == []


def test_the_company_rollup_stays_within_hubspots_documents(
    prism: Prism, fake: HubSpotFake
) -> None:
    """Setup of the company properties, contact search by company, association and task reads,
    the companies batch update, and the refresh after a tracked task change."""
    settings = HubSpotSettings.model_validate(
        {"base_url": prism.url, "access_token": TOKEN, "company_rollup": True}
    )
    crm = HubSpotCrm("prism", settings, sleep=lambda _: None, clock=time.monotonic)
    owner = fake.add_owner("kim@prism.example", "Kim", "Park", teams=["Support"])
    acme = fake.add_company("Acme Prism")
    ann, bob = (fake.add_contact(f"{n}@acme-prism.example", owner_id=owner) for n in ("a", "b"))
    for contact in (ann, bob):
        fake.set_primary_company(contact, acme)
    try:
        steps, setting_up = checked(prism, crm.setup)
        updates = [ContactUpdate("ra", ann, _fields(3)), ContactUpdate("rb", bob, _fields(10))]
        _, rolling = checked(prism, lambda: crm.update_contacts(updates))
        created, creating = checked(prism, lambda: crm.create_tasks([_task("roll:a", ann, owner)]))
        fake.complete_task(str(created["roll:a"]))
        _, tracking = checked(prism, lambda: list(crm.task_changes(NOW - timedelta(hours=1))))
    finally:
        crm.close()

    paths = {path for _, path in fake.requests}
    for called in (
        "/crm/v3/properties/companies",
        "/crm/v3/objects/contacts/search",
        "/crm/v4/associations/contacts/tasks/batch/read",
        "/crm/v4/associations/tasks/contacts/batch/read",
        "/crm/v3/objects/tasks/batch/read",
        "/crm/v3/objects/companies/batch/update",
    ):
        assert called in paths
    assert not any(step.missing for step in steps)
    assert (fake.company(acme) or {}).get("nps_window_nps") == "0"
    assert (fake.company(acme) or {}).get("nps_open_detractor_followups") == "0"
    assert unexplained(setting_up + rolling + creating + tracking) == []


def test_a_request_that_breaks_the_document_is_reported_and_not_excused(prism: Prism) -> None:
    """The check can fail: an association type id sent as a string is a violation."""
    body = {
        "inputs": [
            {
                "from": {"id": "1"},
                "to": {"id": "2"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": "x"}],
            }
        ]
    }
    url = f"{prism.url}/crm/v4/associations/tasks/contacts/batch/create"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    _, violations = checked(prism, lambda: httpx.post(url, json=body, headers=headers))

    locations = [v.location for v in unexplained(violations)]
    assert "request.body.inputs.0.types.0.associationTypeId" in locations


def test_only_the_named_endpoints_pass_unchecked() -> None:
    """Task upsert is the one endpoint syncd calls that the package has no document for."""
    assert UNCOVERED == {"/crm/v3/objects/tasks/batch/upsert": "post"}
