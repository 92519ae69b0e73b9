"""Company roll-up over the HubSpot fake: setup, an answer, a completed detractor task, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from connectors.crm.hubspot import HubSpotCrm, HubSpotSettings
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.clock import utcnow
from syncd.model import ContactUpdate, NpsCategory, NpsFields, Priority, SetupState, TaskSpec
from syncd.runtime.building import build_crm
from syncd.runtime.compose import load
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token-rollup"
NOW = datetime.now(UTC).replace(microsecond=0)
LATEST, NPS, OPEN = "nps_latest_score", "nps_window_nps", "nps_open_detractor_followups"


def _answer(score: int, days_ago: float) -> NpsFields:
    return NpsFields(score, NpsCategory.from_score(score), NOW - timedelta(days=days_ago))


def _task(key: str, contact_id: str) -> TaskSpec:
    return TaskSpec(key, contact_id, None, f"Follow up {key}", "Answered 3.", Priority.HIGH, NOW)


@pytest.fixture
def fake() -> HubSpotFake:
    portal = HubSpotFake(TOKEN)  # search lags writes by 2 s, as HubSpot's does
    portal.set_up()  # contact and task properties; the company ones are left to setup
    return portal


@pytest.fixture
def server(fake: HubSpotFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


def _crm(server: LoopbackServer, **options: Any) -> HubSpotCrm:
    settings = HubSpotSettings.model_validate(
        {"base_url": server.base_url, "access_token": TOKEN, "company_rollup": True} | options
    )
    return HubSpotCrm("hubspot", settings, sleep=lambda _: None, now=lambda: NOW)


@pytest.fixture
def crm(server: LoopbackServer) -> Iterator[HubSpotCrm]:
    connector = _crm(server, rollup_window_days=30)
    connector.setup()
    yield connector
    connector.close()


def test_setup_creates_the_company_properties_once_and_startup_needs_them(
    server: LoopbackServer,
) -> None:
    crm = _crm(server)
    try:
        planned = [s for s in crm.setup(dry_run=True) if "company" in s.what]
        checked = [r for r in crm.check() if "company property" in r.name]
        created = [s for s in crm.setup() if "company" in s.what]
        again = [s for s in crm.setup() if "company" in s.what]
        after = [r for r in crm.check() if "company property" in r.name]
    finally:
        crm.close()

    wanted = [s for s in planned if s.state is SetupState.WOULD_CREATE and s.required]
    assert len(wanted) == 3  # what startup refuses to run without
    assert len(checked) == 3 and not any(r.ok for r in checked)
    assert all("syncd crm setup" in r.detail for r in checked)
    assert [s.state for s in created] == [SetupState.CREATED] * 4  # the group, three properties
    assert [s.state for s in again] == [SetupState.EXISTS] * 4
    assert len(after) == 3 and all(r.ok for r in after)


def test_without_the_option_setup_and_check_leave_companies_alone(
    server: LoopbackServer, fake: HubSpotFake
) -> None:
    crm = _crm(server, company_rollup=False)
    acme = fake.add_company("Acme")
    ann = fake.add_contact("ann@acme.example")
    fake.set_primary_company(ann, acme)
    try:
        steps, results = crm.setup(), crm.check()
        crm.update_contacts([ContactUpdate("1", ann, _answer(10, 1))])
    finally:
        crm.close()
    assert not any("company" in s.what for s in steps)
    assert not any("company property" in r.name for r in results)
    assert LATEST not in (fake.company(acme) or {})


def test_answers_and_detractor_tasks_roll_up_onto_the_primary_company(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    acme, other = fake.add_company("Acme"), fake.add_company("Other")
    ann, bob, cy, dee = (fake.add_contact(f"{n}@acme.example") for n in ("ann", "bob", "cy", "dee"))
    for contact in (ann, bob, cy):
        fake.set_primary_company(contact, acme)
    fake.set_primary_company(dee, other)

    crm.update_contacts([ContactUpdate("1", ann, _answer(10, 2))])
    # Within search's lag of the first write: the roll-up still counts both answers.
    crm.update_contacts(
        [
            ContactUpdate("2", bob, _answer(3, 1)),  # the latest answer
            ContactUpdate("3", cy, _answer(9, 45)),  # outside the 30-day window
            ContactUpdate("4", dee, _answer(0, 1)),
        ]
    )
    ids = crm.create_tasks([_task("t-bob", bob), _task("t-ann", ann)])
    company = fake.company(acme) or {}
    assert (company[LATEST], company[NPS], company[OPEN]) == ("3", "0", "1")
    assert (fake.company(other) or {}).get(NPS) == "-100"  # one detractor, no task for it
    assert (fake.company(other) or {}).get(OPEN) == "0"
    fake.lag_search(0)
    fake.complete_task(ids["t-bob"])  # type: ignore[arg-type]
    pages = list(crm.task_changes(NOW - timedelta(minutes=5)))

    assert any(c.task_id == ids["t-bob"] for page in pages for c in page.changes)
    assert (fake.company(acme) or {})[OPEN] == "0"
    assert (fake.company(acme) or {})[LATEST] == "3"

    before = len(fake.requests)
    list(crm.task_changes(NOW - timedelta(minutes=5)))  # the same tasks again, unchanged
    assert not any("companies" in path for _, path in fake.requests[before:])
    fake.reopen_task(ids["t-bob"])  # type: ignore[arg-type]
    list(crm.task_changes(NOW - timedelta(minutes=5)))
    assert (fake.company(acme) or {})[OPEN] == "1"


def test_a_failing_rollup_never_fails_the_contact_update(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    acme = fake.add_company("Acme")
    ann = fake.add_contact("ann@acme.example")
    fake.set_primary_company(ann, acme)
    fake.inject("/crm/v3/objects/companies/batch/update", 400)

    with capture_logs() as logs:
        outcome = crm.update_contacts([ContactUpdate("1", ann, _answer(2, 1))])

    assert outcome == {"1": ann}
    assert any(entry["event"] == "crm.rollup.failed" for entry in logs)
    assert LATEST not in (fake.company(acme) or {})
    crm.update_contacts([ContactUpdate("2", ann, _answer(9, 0))])  # the next change repairs it
    assert (fake.company(acme) or {})[LATEST] == "9"


def test_a_contact_without_a_company_costs_no_company_write(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    ann = fake.add_contact("ann@nowhere.example")
    before = len(fake.requests)
    crm.update_contacts([ContactUpdate("1", ann, _answer(2, 1))])
    paths = [path for _, path in fake.requests[before:]]
    assert not any("companies" in path or "search" in path for path in paths)


def test_the_daemon_hands_the_connector_syncds_clock_for_the_window() -> None:
    settings = load(Path(__file__).parents[2] / "syncd" / "sandbox" / "demo.toml", {})
    crm = build_crm(settings)
    try:
        assert isinstance(crm, HubSpotCrm)
        assert crm._rollup._now is utcnow  # type: ignore[union-attr]
    finally:
        crm.close()
