"""Respondents the CRM does not have: quarantined by default, created by email when configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from syncd.contact_match import ContactMatch
from syncd.errors import CrmUnavailable
from syncd.model import ContactField, NpsCategory, Owner, RespondentId
from syncd.settings import CrmSettings
from tests.pipeline.flow import T0, Clock, answer, deliver, loop, outbox_rows, plan, routing, rule
from tests.pipeline.stub_crm import StubCrm

DETRACTORS = frozenset({NpsCategory.DETRACTOR})
ANN = Owner("o-ann", "ann@corp.example", "Ann", frozenset({"Support"}))


def test_by_default_an_unknown_respondent_is_quarantined_and_nothing_created(
    engine: Engine,
) -> None:
    crm = StubCrm(owners=[ANN])
    plan(engine, answer(email="ghost@x.example", score=2))

    deliver(engine, crm)

    assert crm.contacts_created == []
    assert outbox_rows(engine)["sync_contact"].status == "quarantined"


def test_create_makes_the_contact_writes_its_fields_and_assigns_the_task(engine: Engine) -> None:
    crm = StubCrm(owners=[ANN])
    settings = routing(rule(owner=("user:ann@corp.example",)))
    plan(engine, answer(email="New@X.example", score=2), settings=settings)

    deliver(engine, crm, settings=settings, create_contacts_for=DETRACTORS)

    assert [(c.key, c.email) for c in crm.contacts_created] == [("new@x.example",) * 2]
    (update,) = crm.updates
    assert update.contact_id == "new-new@x.example"
    assert loop(engine)["contact_id"] == "new-new@x.example"
    assert [task.contact_id for task in crm.created] == ["new-new@x.example"]


def test_the_filter_leaves_other_categories_quarantined(engine: Engine) -> None:
    crm = StubCrm()
    plan(
        engine,
        answer("r1", email="happy@x.example", score=10),
        answer("r2", email="sad@x.example", score=1),
        settings=routing(rule(create_task=False)),
    )

    deliver(engine, crm, create_contacts_for=DETRACTORS)

    assert [c.email for c in crm.contacts_created] == ["sad@x.example"]
    rows = outbox_rows(engine)
    assert rows["sync_contact"].status == "quarantined"
    assert rows["d:r2:sync_contact"].status == "done"


def test_never_created_without_an_email_nor_when_a_lookup_failed(engine: Engine) -> None:
    crm = StubCrm(down_for={"customer_id"})
    by_customer = ContactMatch(RespondentId.EXTERNAL_ID, ContactField("customer_id"))
    matches = (ContactMatch(RespondentId.EMAIL), by_customer)
    settings = routing(rule(create_task=False))
    plan(
        engine,
        answer("r1", email=None, external_id="E-1", score=1),
        answer("r2", email="new@x.example", external_id="E-2", score=1),
        settings=settings,
        match_by=matches,
    )

    deliver(engine, crm, settings=settings, create_contacts_for=DETRACTORS, match_by=matches)

    # r2's lookup by customer id failed: it might exist, so creating one could double it.
    assert crm.contacts_created == []
    assert {row.status for row in outbox_rows(engine).values()} == {"pending"}
    crm.down_for.clear()
    later = Clock(T0 + timedelta(hours=1))
    deliver(
        engine,
        crm,
        settings=settings,
        create_contacts_for=DETRACTORS,
        match_by=matches,
        clock=later,
    )

    assert [c.email for c in crm.contacts_created] == ["new@x.example"]
    rows = outbox_rows(engine)
    assert (rows["sync_contact"].status, rows["d:r2:sync_contact"].status) == (
        "quarantined",
        "done",
    )


def test_a_failed_create_retries_the_answer(engine: Engine) -> None:
    crm = StubCrm()
    crm.fail_with["create_contacts"] = CrmUnavailable("contacts are down")
    plan(engine, answer(email="new@x.example", score=1), settings=routing(rule(create_task=False)))

    deliver(engine, crm, create_contacts_for=DETRACTORS)

    assert outbox_rows(engine)["sync_contact"].status == "pending"
    assert crm.updates == []


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, frozenset()),
        ({"unknown_contacts": "create"}, frozenset(NpsCategory)),
        ({"unknown_contacts": "create", "create_for": ["detractor"]}, DETRACTORS),
        ({"unknown_contacts": "quarantine", "create_for": ["detractor"]}, frozenset()),
    ],
)
def test_the_setting(section: dict[str, object], expected: frozenset[NpsCategory]) -> None:
    settings = CrmSettings.model_validate({"kind": "hubspot", **section})
    assert settings.creates_contacts_for() == expected
