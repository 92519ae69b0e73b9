"""The small version of every chaos scenario: each must end exactly-once.

The scenarios spend most of their time waiting (daemon startups, backoffs, leases running out),
so they run side by side, each with its own fakes, store and daemons, and each test checks one
scenario's outcome. ``python -m tests.chaos`` (``make chaos``) runs the full sizes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.crm.hubspot.fake.chaos import KINDS
from tests.chaos import pg, scenarios
from tests.chaos.outcome import Outcome
from tests.chaos.scenarios import SMALL

pytestmark = pytest.mark.slow
Runs = dict[str, Future[Outcome]]
_WITHOUT_POSTGRES: dict[str, Callable[[Path], Outcome]] = {
    "sigkill-sqlite": lambda w: scenarios.sigkill(w, SMALL, "sqlite"),
    "as-creates": lambda w: scenarios.sigkill(
        w, replace(SMALL, kills=1), "sqlite", as_creates=True
    ),
    "faults": lambda w: scenarios.crm_faults(w, SMALL),
    "late-comments": lambda w: scenarios.late_comments(w, SMALL),
}
_ON_POSTGRES: dict[str, Callable[[Path], Outcome]] = {
    "sigkill-postgres": lambda w: scenarios.sigkill(w, SMALL, "postgres"),
    "replicas": lambda w: scenarios.replicas_one_killed(w, SMALL),
    "limit-3": lambda w: scenarios.shared_limit(w, SMALL, 3),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Every small scenario, started at once; PostgreSQL ones only when it answers."""
    chosen = {**_WITHOUT_POSTGRES, **(_ON_POSTGRES if pg.reachable() else {})}
    root = tmp_path_factory.mktemp("chaos")
    with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        yield {name: pool.submit(scenario, root / name) for name, scenario in chosen.items()}


@pytest.fixture
def postgres() -> None:
    """PostgreSQL must answer; in CI its absence is a failure, not a skip."""
    if not pg.reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {pg.PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {pg.PG_URL} (set SYNCD_TEST_PG_URL)")


def _exactly_once(outcome: Outcome, answers: int = 150) -> None:
    assert outcome.answers > answers
    assert (outcome.lost, outcome.duplicated, outcome.two_plus) == (0, 0, 0), outcome
    assert outcome.one == outcome.contacts_correct == outcome.answers, outcome


def test_sigkill_at_random_points_on_sqlite(runs: Runs) -> None:
    outcome = runs["sigkill-sqlite"].result()
    _exactly_once(outcome)
    assert outcome.notes.startswith("2 of 2 mid-write kills"), outcome.notes


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres")
def test_sigkill_at_random_points_on_postgres(runs: Runs) -> None:
    _exactly_once(runs["sigkill-postgres"].result())


def test_the_kill_scenario_catches_creates_that_are_not_idempotent(runs: Runs) -> None:
    # The fake's upsert turned into a plain create: a kill after the CRM wrote a task and
    # before syncd recorded it makes the restart create a second one (linked to no contact,
    # as the association came with the lost answer).
    outcome = runs["as-creates"].result()
    assert outcome.duplicated > 0 and not outcome.exactly_once(), outcome


def test_a_fifth_of_crm_calls_failing_every_way(runs: Runs) -> None:
    outcome = runs["faults"].result()
    _exactly_once(outcome)
    assert all(f"{kind} " in outcome.notes for kind in KINDS), outcome.notes


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres")
def test_three_replicas_on_postgres_with_one_killed(runs: Runs) -> None:
    _exactly_once(runs["replicas"].result())


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres")
def test_three_replicas_sharing_one_rate_limit(runs: Runs) -> None:
    outcome = runs["limit-3"].result()
    _exactly_once(outcome, answers=50)
    assert "429s" in outcome.notes


def test_late_comments_update_contacts_and_create_no_task(runs: Runs) -> None:
    outcome = runs["late-comments"].result()
    _exactly_once(outcome)
    assert outcome.notes.startswith("38 comments"), outcome.notes
