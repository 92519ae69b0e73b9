"""Owner strategies at delivery: company owner, round robin over a team or a member list."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from syncd.errors import CrmUnavailable
from syncd.model import Owner
from syncd.owner_routing import OwnerFacts, choose_owner
from syncd.routing import unknown_members
from syncd.routing_settings import RoutingRule
from tests.pipeline.flow import answer, deliver, loop, outbox_rows, plan, routing, rule
from tests.pipeline.stub_crm import StubCrm

ANN = Owner("o-1", "ann@corp.example", "Ann", frozenset({"Support"}))
BOB = Owner("o-2", "bob@corp.example", "Bob", frozenset({"Support"}))
CAT = Owner("o-3", "cat@corp.example", "Cat", frozenset({"Sales"}))
GONE = Owner("o-0", "gone@corp.example", "Gone", frozenset({"Support"}), active=False)


def crm(contacts: int) -> StubCrm:
    stub = StubCrm(owners=[GONE, ANN, BOB, CAT])
    for n in range(contacts):
        stub.add(f"c-{n}", f"p{n}@x.example")
    return stub


def answers(first: int, count: int) -> list[object]:
    return [answer(f"r{n}", email=f"p{n}@x.example") for n in range(first, first + count)]


def test_the_company_owner_takes_the_task_asked_once_per_batch(engine: Engine) -> None:
    stub = crm(3)
    stub.company_owner_of = {"c-0": CAT.id, "c-1": GONE.id}
    settings = routing(rule(owner=("company_owner", "user:bob@corp.example")))
    plan(engine, *answers(0, 3), settings=settings)  # type: ignore[arg-type]

    deliver(engine, stub, settings=settings)

    by_contact = {task.contact_id: task.owner_id for task in stub.created}
    # A deactivated company owner is never assigned: the chain goes on to the next strategy.
    assert by_contact == {"c-0": CAT.id, "c-1": BOB.id, "c-2": BOB.id}
    assert stub.company_lookups == [("c-0", "c-1", "c-2")]
    assert loop(engine, "r0")["owner_via"] == "company_owner"


def test_no_company_lookup_when_no_rule_asks_for_it(engine: Engine) -> None:
    stub = crm(1)
    settings = routing(rule(team="Support", owner=("least_open",)))
    plan(engine, *answers(0, 1), settings=settings)  # type: ignore[arg-type]

    deliver(engine, stub, settings=settings)

    assert stub.company_lookups == []


def test_a_failed_company_lookup_retries_the_creates_unsent(engine: Engine) -> None:
    stub = crm(1)
    stub.fail_with["company_owners"] = CrmUnavailable("companies are down")
    settings = routing(rule(owner=("company_owner",)))
    plan(engine, *answers(0, 1), settings=settings)  # type: ignore[arg-type]

    deliver(engine, stub, settings=settings)

    assert stub.created == []
    assert outbox_rows(engine)["d:r0:create_task"].status == "pending"


def test_round_robin_rotates_across_passes_and_skips_inactive_owners(engine: Engine) -> None:
    stub = crm(5)
    settings = routing(rule(team="Support", owner=("round_robin",)))
    plan(engine, *answers(0, 3), settings=settings)  # type: ignore[arg-type]
    deliver(engine, stub, settings=settings)
    # A later pass (another replica, say) continues where the store says the rotation stopped.
    plan(engine, *answers(3, 2), settings=settings)  # type: ignore[arg-type]
    deliver(engine, stub, settings=settings)

    assert [task.owner_id for task in stub.created] == [ANN.id, BOB.id, ANN.id, BOB.id, ANN.id]
    assert loop(engine, "r0")["owner_via"] == "round_robin"


def test_round_robin_over_a_member_list_instead_of_a_team(engine: Engine) -> None:
    stub = crm(3)
    members = ("cat@corp.example", "o-1", "gone@corp.example")
    settings = routing(rule(owner=("round_robin",), members=members))
    plan(engine, *answers(0, 3), settings=settings)  # type: ignore[arg-type]

    deliver(engine, stub, settings=settings)

    assert [task.owner_id for task in stub.created] == [ANN.id, CAT.id, ANN.id]


def test_least_open_within_a_member_list() -> None:
    facts = OwnerFacts(members=("o-2", "o-3"), open_loops={"o-2": 3, "o-3": 1})
    choice = choose_owner(("least_open",), [ANN, BOB, CAT], facts, None)
    assert (choice.owner_id, choice.via) == (CAT.id, "least_open")


def test_pool_strategies_need_a_team_or_members() -> None:
    with pytest.raises(ValueError, match="need a team or a members list"):
        RoutingRule(name="r", owner=("round_robin",))
    assert RoutingRule(name="r", owner=("round_robin",), members=("a@x.example",)).members


def test_members_who_are_not_active_owners_are_named() -> None:
    rules = [RoutingRule(name="vip", owner=("round_robin",), members=("o-1", "gone@corp.example"))]
    (problem,) = unknown_members(rules, [ANN, GONE])
    assert problem.missing == ("gone@corp.example",)
    assert "gone@corp.example" in str(problem)
    assert unknown_members(rules[:0], [ANN]) == []
