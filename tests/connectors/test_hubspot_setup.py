"""``HubSpotCrm.setup``: syncd's properties created once, reported, dry-run, missing scopes."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.crm.hubspot import HubSpotCrm, HubSpotSettings
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.model import SetupState, SetupStep
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token-setup"
#: Names the fake portal does not define, so every contact property starts missing.
FIELDS = {
    "score": "csat_score",
    "category": "csat_category",
    "comment": "csat_comment",
    "responded_at": "csat_at",
    "link": "csat_link",
    "survey": "csat_survey",
    "source": "csat_source",
    "loop_closed_at": "csat_closed_at",
    "task_key": "csat_task_key",
}


@pytest.fixture
def fake() -> HubSpotFake:
    return HubSpotFake(token=TOKEN)


@pytest.fixture
def server(fake: HubSpotFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


@pytest.fixture
def crm(server: LoopbackServer) -> Iterator[HubSpotCrm]:
    options = {"base_url": server.base_url, "access_token": TOKEN, "fields": FIELDS}
    client = HubSpotCrm("hubspot", HubSpotSettings.model_validate(options))
    yield client
    client.close()


def definitions(server: LoopbackServer, object_type: str) -> list[dict[str, Any]]:
    """The portal's property definitions, read over HTTP as an admin's tool would."""
    request = urllib.request.Request(
        f"{server.base_url}/crm/v3/properties/{object_type}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        results: list[dict[str, Any]] = json.load(response)["results"]
    return results


def states(steps: list[SetupStep] | tuple[SetupStep, ...]) -> set[SetupState]:
    return {step.state for step in steps}


def writes(fake: HubSpotFake) -> list[str]:
    return [path for method, path in fake.requests if method == "POST"]


def test_setup_creates_the_group_and_every_property_with_its_type(
    server: LoopbackServer, crm: HubSpotCrm
) -> None:
    steps = list(crm.setup())
    assert states(steps) == {SetupState.CREATED}
    assert len(steps) == 1 + 8 + 2  # group, contact properties, task key, note key
    by_name = {p["name"]: p for p in definitions(server, "contacts")}
    assert by_name["csat_score"]["type"] == "number"
    assert by_name["csat_category"]["type"] == "enumeration"
    assert [o["value"] for o in by_name["csat_category"]["options"]] == [
        "promoter",
        "passive",
        "detractor",
    ]
    assert by_name["csat_at"]["type"] == by_name["csat_closed_at"]["type"] == "datetime"
    assert {by_name[name]["groupName"] for name in FIELDS.values() if name in by_name} == {"nps"}
    (key,) = [p for p in definitions(server, "tasks") if p["name"] == "csat_task_key"]
    assert key["hasUniqueValue"] is True
    (note,) = [p for p in definitions(server, "notes") if p["name"] == "nps_note_key"]
    assert note["hasUniqueValue"] is True
    assert not steps[-1].required  # only history notes need it


def test_a_note_key_without_unique_values_is_reported_not_recreated(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    fake.define_property("notes", "nps_note_key", unique=False)
    steps = list(crm.setup())
    assert steps[-1].state is SetupState.FAILED
    assert "[crm] note_key" in steps[-1].detail


def test_a_second_setup_creates_nothing(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    crm.setup()
    before = len(writes(fake))
    again = list(crm.setup())
    assert states(again) == {SetupState.EXISTS}
    assert len(writes(fake)) == before


def test_dry_run_reports_what_it_would_create_and_writes_nothing(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    steps = list(crm.setup(dry_run=True))
    assert states(steps) == {SetupState.WOULD_CREATE}
    assert all(step.missing for step in steps)
    assert writes(fake) == []
    assert "csat_score" in "\n".join(str(step) for step in steps)


def test_a_missing_scope_is_named_and_the_other_steps_go_on(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    fake.withhold_scope("/crm/v3/properties/tasks", "crm.schemas.tasks.write")
    steps = list(crm.setup())
    failed = [step for step in steps if step.state is SetupState.FAILED]
    assert len(failed) == 1 and "crm.schemas.tasks.write" in failed[0].detail
    assert sum(step.state is SetupState.CREATED for step in steps) == 10


def test_a_task_key_without_unique_values_is_reported_not_recreated(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    fake.define_property("tasks", "csat_task_key", unique=False)
    (step,) = [s for s in crm.setup() if "csat_task_key" in s.what]
    assert step.state is SetupState.FAILED and "[crm.fields] task_key" in step.detail
