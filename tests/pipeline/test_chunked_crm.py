"""A deliver batch bigger than one CRM call reaches the connector as calls of its batch limit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from syncd.contracts import BatchOutcome
from syncd.errors import CrmRateLimited
from syncd.model import ContactField, Priority, TaskSpec
from syncd.pipeline.deliver.chunked import ChunkedCrm, chunked
from tests.pipeline.stub_crm import StubCrm


class SmallCallsCrm(StubCrm):
    """Takes two items a call; the calls named in ``failing_calls`` (1-based) fail whole."""

    def __init__(self, failing_calls: Sequence[int] = ()) -> None:
        super().__init__(batch_limit=2)
        self.calls: list[tuple[str, ...]] = []
        self.failing_calls = set(failing_calls)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        assert len(tasks) <= self.batch_limit, "a call carried more than the CRM's limit"
        self.calls.append(tuple(task.key for task in tasks))
        if len(self.calls) in self.failing_calls:
            raise CrmRateLimited("slow down", retry_after=1.0)
        return super().create_tasks(tasks)


DUE = datetime(2026, 12, 1, tzinfo=UTC)


def _tasks(count: int) -> list[TaskSpec]:
    return [
        TaskSpec(f"k{i}", f"c{i}", "o1", "subject", "body", Priority.HIGH, DUE)
        for i in range(count)
    ]


def test_a_batch_that_fits_one_call_reaches_the_crm_unwrapped() -> None:
    crm = SmallCallsCrm()
    assert chunked(crm, 2) is crm
    assert isinstance(chunked(crm, 3), ChunkedCrm)


def test_writes_go_out_in_order_in_calls_of_the_limit() -> None:
    crm = SmallCallsCrm()
    outcome = chunked(crm, 500).create_tasks(_tasks(5))
    assert crm.calls == [("k0", "k1"), ("k2", "k3"), ("k4",)]
    assert sorted(outcome) == [f"k{i}" for i in range(5)]
    assert all(isinstance(value, str) for value in outcome.values())


def test_a_failed_call_fails_its_items_and_the_unsent_rest_keeps_earlier_outcomes() -> None:
    crm = SmallCallsCrm(failing_calls=[2])
    outcome = chunked(crm, 500).create_tasks(_tasks(5))
    # The third call is never sent: the CRM refused the second as a whole.
    assert crm.calls == [("k0", "k1"), ("k2", "k3")]
    assert isinstance(outcome["k0"], str) and isinstance(outcome["k1"], str)
    assert all(isinstance(outcome[key], CrmRateLimited) for key in ("k2", "k3", "k4"))


def test_reads_are_split_and_merged() -> None:
    crm = SmallCallsCrm()
    for i in range(5):
        crm.add(f"c{i}", f"p{i}@example.com")
    found = chunked(crm, 500).find_contacts(
        ContactField(None), [f"p{i}@example.com" for i in range(5)]
    )
    assert [len(values) for _, values in crm.lookups] == [2, 2, 1]
    assert sorted(contact.id for contact in found.values()) == [f"c{i}" for i in range(5)]
