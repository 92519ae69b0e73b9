"""The deliver stage on its own: CRM calls made, and what each outcome leaves in the store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.errors import (
    Blocking,
    ContactNotFound,
    CrmAuthError,
    CrmRateLimited,
    CrmRejected,
    CrmUnavailable,
    Transient,
)
from syncd.model import Owner
from syncd.store import outbox
from syncd.store.outbox import ActionKind
from tests.pipeline.flow import (
    T0,
    Clock,
    answer,
    deliver,
    loop,
    outbox_rows,
    plan,
    quarantined,
    routing,
    rule,
)
from tests.pipeline.stub_crm import StubCrm

CREATE = "d:r1:create_task"
UPDATE = "d:r1:update_task"
SYNC = "d:r1:sync_contact"
ANN = Owner("o-ann", "ann@corp.example", "Ann", frozenset({"Support"}))
BOB = Owner("o-bob", "bob@corp.example", "Bob", frozenset({"Support"}))


def crm_with_ann(*others: str) -> StubCrm:
    """A CRM whose contact for ann@x.example is owned by Ann, plus ``<other>@x.example`` each."""
    crm = StubCrm(owners=[ANN, BOB])
    crm.add("c-ann", "ann@x.example", owner_id=ANN.id)
    for other in others:
        crm.add(f"c-{other}", f"{other}@x.example")
    return crm


# --- contacts -----------------------------------------------------------------------------


def test_latest_answer_per_contact_wins_and_older_ones_are_superseded(engine: Engine) -> None:
    crm = crm_with_ann()
    older = answer("old", submitted_at=T0 - timedelta(days=1))
    plan(engine, older, answer("new"), settings=routing(rule(create_task=False)))

    result = deliver(engine, crm)

    assert [update.key for update in crm.updates] == ["d:new:sync_contact"]
    rows = outbox_rows(engine)
    assert rows["d:old:sync_contact"].status == "done"
    assert rows["d:old:sync_contact"].result == "superseded"
    assert rows["d:new:sync_contact"].result == "c-ann"
    assert (result.contacts_updated, result.contacts_superseded) == (1, 1)
    assert loop(engine, "old")["contact_id"] == "c-ann"


def test_an_unknown_contact_is_quarantined_and_its_task_skipped(engine: Engine) -> None:
    crm = StubCrm()
    plan(engine, answer(email="ghost@x.example"))

    result = deliver(engine, crm)

    rows = outbox_rows(engine)
    assert (rows["sync_contact"].status, rows["create_task"].status) == ("quarantined", "skipped")
    stage, code, reason = quarantined(engine)["r1"]
    assert (stage, code) == ("deliver", "unknown_contact")
    assert "ghost@x.example" in reason
    assert crm.created == []
    assert result.quarantined == 1


# --- tasks: owners ------------------------------------------------------------------------


def test_the_task_goes_to_the_contacts_owner(engine: Engine) -> None:
    crm = crm_with_ann()
    plan(engine, answer(score=2), settings=routing(rule(subject="NPS {score}")))

    result = deliver(engine, crm)

    (task,) = crm.created
    assert (task.key, task.contact_id, task.owner_id, task.subject) == (
        CREATE,
        "c-ann",
        ANN.id,
        "NPS 2",
    )
    record = loop(engine)
    assert (record["task_id"], record["owner_id"], record["owner_via"]) == (
        "task-1",
        ANN.id,
        "contact_owner",
    )
    assert outbox_rows(engine)["create_task"].result == "task-1"
    assert result.tasks_created == 1


def test_the_fallback_owner_takes_tasks_no_strategy_can_assign(engine: Engine) -> None:
    crm = StubCrm(owners=[ANN, BOB])
    crm.add("c-1", "ann@x.example")  # nobody owns this contact
    settings = routing(rule(), fallback="bob@corp.example")
    plan(engine, answer(), settings=settings)

    deliver(engine, crm, settings=settings)

    assert [task.owner_id for task in crm.created] == [BOB.id]
    assert loop(engine)["owner_via"] == "fallback"


def test_least_open_balances_within_one_batch(engine: Engine) -> None:
    crm = StubCrm(owners=[ANN, BOB])
    for n in range(4):
        crm.add(f"c-{n}", f"p{n}@x.example")
    settings = routing(rule(team="Support", owner=("least_open",)))
    plan(engine, *[answer(f"r{n}", email=f"p{n}@x.example") for n in range(4)], settings=settings)

    deliver(engine, crm, settings=settings)

    owners = sorted(str(task.owner_id) for task in crm.created)
    assert owners == [ANN.id, ANN.id, BOB.id, BOB.id]


def test_a_create_whose_contact_is_not_known_is_dead_and_never_sent(engine: Engine) -> None:
    crm = crm_with_ann()
    plan(engine, answer())
    with engine.begin() as conn:  # the sync is done, but no contact was recorded for the loop
        (sync,) = outbox.claim(conn, "stub", ActionKind.SYNC_CONTACT, "t", 1, to_ms(T0), 1000)
        outbox.complete(conn, sync, "c-ann", to_ms(T0))

    result = deliver(engine, crm)

    assert crm.created == []
    row = outbox_rows(engine)["create_task"]
    assert row.status == "dead"
    assert row.last_error is not None and "contact" in row.last_error
    assert result.dead == 1


def test_no_owner_list_holds_creates_back(engine: Engine) -> None:
    crm = crm_with_ann()
    crm.fail_with["list_owners"] = CrmUnavailable("owners endpoint down")
    plan(engine, answer())

    with pytest.raises(Transient, match="owner list cannot be read"):
        deliver(engine, crm)

    assert crm.created == []
    rows = outbox_rows(engine)
    assert (rows["sync_contact"].status, rows["create_task"].status) == ("done", "pending")
    assert rows["create_task"].attempts == 0


# --- tasks: outcomes ----------------------------------------------------------------------


def test_each_items_outcome_is_recorded_on_its_own(engine: Engine) -> None:
    crm = crm_with_ann("b", "c", "d")
    crm.outcomes.update(
        {
            "d:b:create_task": CrmUnavailable("try later"),
            "d:c:create_task": ContactNotFound("contact merged away"),
            "d:d:create_task": CrmRejected("subject too long"),
        }
    )
    plan(
        engine,
        answer("a"),
        *[answer(r, email=f"{r}@x.example") for r in "bcd"],
    )

    result = deliver(engine, crm)

    rows = outbox_rows(engine)
    status = {r: rows[f"d:{r}:create_task"].status for r in "abcd"}
    assert status == {"a": "done", "b": "pending", "c": "quarantined", "d": "dead"}
    assert rows["d:b:create_task"].last_error == "try later"
    assert rows["d:d:create_task"].last_error == "subject too long"
    assert quarantined(engine)["c"][:2] == ("deliver", "unknown_contact")
    assert (result.tasks_created, result.retried, result.quarantined, result.dead) == (1, 1, 1, 1)


def test_transient_failures_back_off_exponentially_then_die(engine: Engine) -> None:
    crm = crm_with_ann()
    crm.outcomes[CREATE] = CrmUnavailable("502 from the CRM")
    plan(engine, answer())
    clock = Clock()
    waits = []
    for _ in range(3):
        deliver(engine, crm, clock=clock, max_attempts=3)
        row = outbox_rows(engine)["create_task"]
        if row.status != "pending":
            break
        waits.append(row.next_attempt_ms - to_ms(clock.now))
        clock.now += timedelta(milliseconds=waits[-1])

    assert waits == [10_000, 20_000]
    row = outbox_rows(engine)["create_task"]
    assert (row.status, row.attempts) == ("dead", 3)
    assert len(crm.created) == 3


def test_a_transient_failure_is_not_retried_before_its_time(engine: Engine) -> None:
    crm = crm_with_ann()
    crm.outcomes[CREATE] = CrmUnavailable("502 from the CRM")
    plan(engine, answer())
    deliver(engine, crm)
    del crm.outcomes[CREATE]

    deliver(engine, crm, clock=Clock(T0 + timedelta(seconds=9)))
    assert outbox_rows(engine)["create_task"].status == "pending"
    deliver(engine, crm, clock=Clock(T0 + timedelta(seconds=10)))
    assert outbox_rows(engine)["create_task"].status == "done"


def test_throttling_waits_as_asked_and_never_gives_up(engine: Engine) -> None:
    crm = crm_with_ann()
    crm.outcomes[CREATE] = CrmRateLimited("429", retry_after=600.0)
    plan(engine, answer())

    deliver(engine, crm, max_attempts=1)

    row = outbox_rows(engine)["create_task"]
    assert row.status == "pending"
    assert row.next_attempt_ms == to_ms(T0) + 600_000


def test_a_failed_create_call_retries_every_item_in_it(engine: Engine) -> None:
    crm = crm_with_ann("b")
    crm.fail_with["create_tasks"] = CrmUnavailable("connection reset")
    plan(engine, answer("a"), answer("b", email="b@x.example"))

    result = deliver(engine, crm)

    rows = outbox_rows(engine)
    assert {rows[f"d:{r}:create_task"].status for r in "ab"} == {"pending"}
    assert {rows[f"d:{r}:create_task"].attempts for r in "ab"} == {1}
    assert result.retried == 2


def test_a_blocking_error_holds_the_batch_without_an_attempt(engine: Engine) -> None:
    crm = crm_with_ann()
    crm.fail_with["update_contacts"] = CrmAuthError("token revoked")
    plan(engine, answer())

    with pytest.raises(Blocking, match="token revoked"):
        deliver(engine, crm)

    rows = outbox_rows(engine)
    assert (rows["sync_contact"].status, rows["sync_contact"].attempts) == ("pending", 0)
    assert rows["sync_contact"].last_error == "token revoked"
    assert rows["create_task"].status == "waiting"  # for its contact
    assert crm.created == []


# --- tasks: later versions ----------------------------------------------------------------


def test_content_before_the_create_goes_out_with_the_create(engine: Engine) -> None:
    crm = crm_with_ann()
    settings = routing(rule(body="{comment}"))
    plan(engine, answer(version=1), settings=settings)
    plan(engine, answer(version=2, comment="late comment"), settings=settings)

    deliver(engine, crm, settings=settings)

    assert [task.body for task in crm.created] == ["late comment"]
    assert crm.task_updates == []


def test_content_after_the_create_updates_the_task_it_made(engine: Engine) -> None:
    crm = crm_with_ann()
    settings = routing(rule(body="{comment}"))
    plan(engine, answer(version=1), settings=settings)
    deliver(engine, crm, settings=settings)
    plan(engine, answer(version=2, comment="late comment"), settings=settings)

    result = deliver(engine, crm, settings=settings)

    assert len(crm.created) == 1
    (update,) = crm.task_updates
    assert (update.task_id, update.body) == ("task-1", "late comment")
    assert outbox_rows(engine)["update_task"].status == "done"
    assert result.tasks_updated == 1


def test_a_rejected_task_update_is_dead(engine: Engine) -> None:
    crm = crm_with_ann()
    plan(engine, answer(version=1))
    deliver(engine, crm)
    crm.outcomes[UPDATE] = CrmRejected("task was deleted")  # an update answers by its own key
    plan(engine, answer(version=2, comment="again"))

    deliver(engine, crm)

    assert outbox_rows(engine)["update_task"].status == "dead"
