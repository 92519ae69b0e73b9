"""History: one note per answer on the contact's timeline, when ``history_notes`` is on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from syncd.errors import CrmUnavailable
from syncd.settings import CrmSettings
from tests.pipeline.flow import T0, Clock, answer, deliver, outbox_rows, plan, routing, rule
from tests.pipeline.stub_crm import StubCrm

FIELDS_ONLY = routing(rule(create_task=False))


def crm() -> StubCrm:
    stub = StubCrm()
    stub.add("c-ann", "ann@x.example")
    return stub


def test_every_answer_keeps_its_note_though_only_the_latest_is_on_the_contact(
    engine: Engine,
) -> None:
    stub = crm()
    older = answer("old", score=2, comment="Too slow", submitted_at=T0 - timedelta(days=90))
    plan(engine, older, answer("new", score=9), settings=FIELDS_ONLY)

    deliver(engine, stub, history_notes=True)

    assert [u.fields.score for u in stub.updates if u.fields] == [9]
    assert sorted(stub.notes) == ["d:new:v1", "d:old:v1"]
    old_note = stub.notes["d:old:v1"]
    assert (old_note.contact_id, old_note.at) == ("c-ann", T0 - timedelta(days=90))
    assert old_note.body.splitlines()[:2] == ["NPS 2 (detractor)", "Comment: Too slow"]


def test_a_new_version_gets_its_own_note(engine: Engine) -> None:
    stub = crm()
    plan(engine, answer(version=1, score=5), settings=FIELDS_ONLY)
    deliver(engine, stub, history_notes=True)
    plan(engine, answer(version=2, score=6, comment="Better now"), settings=FIELDS_ONLY)
    deliver(engine, stub, history_notes=True)

    assert sorted(stub.notes) == ["d:r1:v1", "d:r1:v2"]


def test_off_by_default(engine: Engine) -> None:
    stub = crm()
    plan(engine, answer(), settings=FIELDS_ONLY)

    deliver(engine, stub)

    assert stub.notes == {}
    assert CrmSettings(kind="hubspot").history_notes is False


def test_a_failed_note_retries_the_answer_and_then_writes_one_note(engine: Engine) -> None:
    stub = crm()
    stub.fail_with["add_notes"] = CrmUnavailable("notes are down")
    plan(engine, answer(), settings=FIELDS_ONLY)
    deliver(engine, stub, history_notes=True)
    assert outbox_rows(engine)["sync_contact"].status == "pending"

    del stub.fail_with["add_notes"]
    deliver(engine, stub, history_notes=True, clock=Clock(T0 + timedelta(hours=1)))

    assert outbox_rows(engine)["sync_contact"].status == "done"
    assert list(stub.notes) == ["d:r1:v1"]
    assert len(stub.updates) == 2  # the first write was not remembered: its answer failed
