"""Only what changed: a contact write identical to the last one is settled without a call."""

from __future__ import annotations

from sqlalchemy import Engine

from syncd.errors import CrmRejected
from tests.pipeline.flow import answer, deliver, outbox_rows, plan, routing, rule
from tests.pipeline.stub_crm import StubCrm

FIELDS_ONLY = routing(rule(create_task=False))


def crm() -> StubCrm:
    stub = StubCrm()
    stub.add("c-ann", "ann@x.example")
    return stub


def test_a_new_version_that_changes_nothing_written_sends_nothing(engine: Engine) -> None:
    stub = crm()
    plan(engine, answer(version=1, properties={"plan": "pro"}), settings=FIELDS_ONLY)
    deliver(engine, stub)
    # The source changed a respondent property syncd does not write: same NPS facts.
    plan(engine, answer(version=2, properties={"plan": "enterprise"}), settings=FIELDS_ONLY)

    result = deliver(engine, stub)

    assert len(stub.updates) == 1
    assert result.contacts_unchanged == 1
    assert {row.status for row in outbox_rows(engine).values()} == {"done"}


def test_a_changed_field_is_sent(engine: Engine) -> None:
    stub = crm()
    plan(engine, answer(version=1), settings=FIELDS_ONLY)
    deliver(engine, stub)
    plan(engine, answer(version=2, comment="Slow support"), settings=FIELDS_ONLY)

    result = deliver(engine, stub)

    assert [u.fields.comment for u in stub.updates if u.fields] == [None, "Slow support"]
    assert (result.contacts_updated, result.contacts_unchanged) == (1, 0)


def test_a_failed_write_is_not_remembered(engine: Engine) -> None:
    stub = crm()
    stub.outcomes["d:r1:sync_contact"] = CrmRejected("no")
    plan(engine, answer(version=1), settings=FIELDS_ONLY)
    deliver(engine, stub)
    stub.outcomes.clear()
    plan(engine, answer(version=2), settings=FIELDS_ONLY)

    deliver(engine, stub)

    assert len(stub.updates) == 2
