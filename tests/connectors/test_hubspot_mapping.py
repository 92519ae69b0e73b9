"""Pure parts of the HubSpot connector: mapping, bisection, outcome matching, search paging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from connectors.crm.hubspot.batching import bisect, distinct_rounds, send_groups
from connectors.crm.hubspot.changes import task_change_pages
from connectors.crm.hubspot.errors import HubSpotRejected
from connectors.crm.hubspot.mapping import (
    contact_properties,
    epoch_ms,
    parse_time,
    task_create_properties,
    task_state,
    task_update_properties,
)
from connectors.crm.hubspot.outcomes import contact_error, match
from connectors.crm.hubspot.records import BatchResult, ItemError, Page, Record
from connectors.crm.hubspot.settings import HubSpotFieldNames, HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.errors import (
    ContactNotFound,
    CrmAuthError,
    CrmOutcomeUnknown,
    CrmRateLimited,
    CrmRejected,
    SyncdError,
)
from syncd.model import NpsCategory, NpsFields, Priority, TaskSpec, TaskState, TaskUpdate

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- mapping -----------------------------------------------------------------------------------


def test_epoch_ms_and_parse_time_round_trip() -> None:
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)) == 1000
    assert parse_time(str(epoch_ms(T0))) == T0
    assert parse_time("2026-03-01T12:00:00.000Z") == T0
    assert parse_time("2026-03-01T13:00:00+01:00") == T0
    assert parse_time("2026-03-01T12:00:00") == T0  # naive is UTC
    assert parse_time("") is None
    assert parse_time(None) is None
    assert parse_time("not a date") is None


def test_epoch_ms_treats_naive_as_utc_and_converts_offsets() -> None:
    assert epoch_ms(T0.replace(tzinfo=None)) == epoch_ms(T0)
    assert epoch_ms(T0.astimezone(timezone(timedelta(hours=-5)))) == epoch_ms(T0)


def test_contact_properties_are_strings_and_skip_disabled_fields() -> None:
    fields = NpsFields(score=7, category=NpsCategory.PASSIVE, responded_at=T0, survey="Q1")
    names = HubSpotFieldNames(link="", source="")

    assert contact_properties(fields, names) == {
        "nps_score": "7",
        "nps_category": "passive",
        "nps_last_response_at": str(epoch_ms(T0)),
        "nps_comment": "",
        "nps_survey": "Q1",
    }


def test_task_create_properties_carry_the_key_but_no_status() -> None:
    task = TaskSpec(
        key="k1",
        contact_id="101",
        owner_id=None,
        subject="Detractor: call back",
        body="Score 3",
        priority=Priority.HIGH,
        due_at=T0,
    )
    properties = task_create_properties(task, "nps_task_key")

    # No hs_task_status: a repeated create (an upsert) must not reopen a completed task.
    assert properties == {
        "nps_task_key": "k1",
        "hs_task_subject": "Detractor: call back",
        "hs_task_body": "Score 3",
        "hs_timestamp": str(epoch_ms(T0)),
        "hs_task_priority": "HIGH",
        "hs_task_type": "TODO",
    }
    with_owner = replace(task, owner_id="77")
    assert task_create_properties(with_owner, "k")["hubspot_owner_id"] == "77"


def test_task_update_properties() -> None:
    update = TaskUpdate(key="m1", task_id="9", subject="s", body="b", priority=Priority.LOW)

    assert task_update_properties(update) == {
        "hs_task_subject": "s",
        "hs_task_body": "b",
        "hs_task_priority": "LOW",
    }


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("NOT_STARTED", TaskState.OPEN),
        ("DEFERRED", TaskState.OPEN),
        ("IN_PROGRESS", TaskState.IN_PROGRESS),
        ("WAITING", TaskState.IN_PROGRESS),
        ("COMPLETED", TaskState.COMPLETED),
        ("SOMETHING_NEW", TaskState.OPEN),
        (None, TaskState.OPEN),
    ],
)
def test_task_state(status: str | None, state: TaskState) -> None:
    assert task_state(status) is state


# --- bisection ----------------------------------------------------------------------------------


@dataclass
class FakeBatch:
    """A batch endpoint that rejects a whole batch (400) when it holds a bad item."""

    bad: set[str]
    calls: list[list[str]] = field(default_factory=list)
    fail_after: int | None = None
    failure: SyncdError = field(default_factory=lambda: CrmRateLimited("429", 10.0))

    def __call__(self, items: Sequence[str]) -> Mapping[str, str | SyncdError]:
        self.calls.append(list(items))
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise self.failure
        if self.bad & set(items):
            raise HubSpotRejected(f"HubSpot 400 VALIDATION_ERROR: {sorted(self.bad)}", 400)
        return {item: f"id-{item}" for item in items}


def test_bisect_isolates_bad_items() -> None:
    items = [f"i{n}" for n in range(10)]
    batch = FakeBatch(bad={"i3", "i7"})

    outcome = bisect(items, batch, str)

    assert {k for k, v in outcome.items() if isinstance(v, CrmRejected)} == {"i3", "i7"}
    assert all(outcome[k] == f"id-{k}" for k in items if k not in {"i3", "i7"})
    assert len(batch.calls) < 2 * len(items)


def test_bisect_passes_through_a_clean_batch_in_one_call() -> None:
    batch = FakeBatch(bad=set())

    assert bisect(["a", "b"], batch, str) == {"a": "id-a", "b": "id-b"}
    assert len(batch.calls) == 1


def test_bisect_raises_first_call_errors_other_than_400() -> None:
    batch = FakeBatch(bad=set(), fail_after=0)

    with pytest.raises(CrmRateLimited):
        bisect(["a", "b"], batch, str)


def test_bisect_reports_later_failures_per_item() -> None:
    # Once split, part of the batch may have gone through: a later failure must not be raised.
    batch = FakeBatch(bad={"d"}, fail_after=2, failure=CrmOutcomeUnknown("500"))

    outcome = bisect(["a", "b", "c", "d"], batch, str)

    assert outcome["a"] == "id-a"
    assert outcome["b"] == "id-b"
    assert isinstance(outcome["c"], CrmOutcomeUnknown)
    assert isinstance(outcome["d"], CrmOutcomeUnknown)


def test_send_groups_raises_only_for_the_first_group() -> None:
    batch = FakeBatch(bad=set(), fail_after=1, failure=CrmAuthError("401"))

    outcome = send_groups([["a"], ["b"]], batch, str)
    assert outcome["a"] == "id-a"
    assert isinstance(outcome["b"], CrmAuthError)

    with pytest.raises(CrmAuthError):
        send_groups([["a"]], FakeBatch(bad=set(), fail_after=0, failure=CrmAuthError("401")), str)


def test_distinct_rounds_keep_order_per_record() -> None:
    items = [("c1", 1), ("c2", 2), ("c1", 3), ("c1", 4), ("c3", 5)]

    rounds = distinct_rounds(items, lambda item: item[0])

    assert rounds == [[("c1", 1), ("c2", 2), ("c3", 5)], [("c1", 3)], [("c1", 4)]]


# --- outcome matching ---------------------------------------------------------------------------


def test_match_by_reference_not_position() -> None:
    result = BatchResult(
        results=(Record("20", {}), Record("10", {})),
        errors=(ItemError("OBJECT_NOT_FOUND", "gone", ("30",)),),
    )
    items = [("k1", "10"), ("k2", "20"), ("k3", "30"), ("k4", "40")]

    outcome = match(
        items,
        result,
        key=lambda item: item[0],
        ref=lambda item: item[1],
        record_refs=lambda record: (record.id,),
        error_for=contact_error,
    )

    assert outcome["k1"] == "10"
    assert outcome["k2"] == "20"
    assert isinstance(outcome["k3"], ContactNotFound)
    assert isinstance(outcome["k4"], CrmOutcomeUnknown)


# --- search paging ------------------------------------------------------------------------------


@dataclass
class FakeSearch:
    """Tasks modified one second apart; ``after`` is an offset, as in HubSpot."""

    count: int
    page_size: int
    calls: list[tuple[int, str | None]] = field(default_factory=list)

    def __call__(self, since_ms: int, after: str | None) -> Page[Record]:
        self.calls.append((since_ms, after))
        matching = [n for n in range(self.count) if epoch_ms(self.moment(n)) >= since_ms]
        offset = int(after or 0)
        chunk = matching[offset : offset + self.page_size]
        following = offset + self.page_size
        records = tuple(self.record(n) for n in chunk)
        return Page(records, str(following) if following < len(matching) else None)

    def moment(self, n: int) -> datetime:
        return T0 + timedelta(seconds=n)

    def record(self, n: int) -> Record:
        status = "COMPLETED" if n % 2 else "IN_PROGRESS"
        properties = {
            "hs_task_status": status,
            "hs_lastmodifieddate": self.moment(n).isoformat().replace("+00:00", "Z"),
            "hubspot_owner_id": "7",
        }
        return Record(str(n), properties)


def test_task_change_pages_watermark_and_states() -> None:
    search = FakeSearch(count=5, page_size=2)

    pages = list(task_change_pages(search, epoch_ms(T0), page_size=2, cap=100))

    assert [len(page.changes) for page in pages] == [2, 2, 1]
    assert [page.watermark for page in pages] == [search.moment(n) for n in (1, 3, 4)]
    first, second = pages[0].changes
    assert first.state is TaskState.IN_PROGRESS
    assert first.completed_at is None
    assert second.state is TaskState.COMPLETED
    assert second.completed_at == search.moment(1)  # no completion date: modified time
    assert second.owner_id == "7"


def test_task_change_pages_reanchor_before_the_cap() -> None:
    search = FakeSearch(count=10, page_size=2)

    pages = list(task_change_pages(search, epoch_ms(T0), page_size=2, cap=4))
    seen = [change.task_id for page in pages for change in page.changes]

    assert set(seen) == {str(n) for n in range(10)}
    assert all(after is None or int(after) + 2 <= 4 for _, after in search.calls)
    # A new query starts at the newest time of the previous one (at-least-once overlap).
    assert (epoch_ms(search.moment(3)), None) in search.calls
    assert pages[-1].watermark == search.moment(9)


def test_task_change_pages_empty() -> None:
    pages = list(task_change_pages(FakeSearch(count=0, page_size=2), epoch_ms(T0)))

    assert len(pages) == 1
    assert pages[0].changes == []
    assert pages[0].watermark is None


# --- transport ----------------------------------------------------------------------------------


@dataclass
class FakeClock:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Flaky:
    errors: list[Exception]
    calls: int = 0

    def __call__(self, timeout: float) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class HttpError(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = None
        self.headers = headers or {}


def transport(clock: FakeClock, retries: int = 3) -> Transport:
    settings = HubSpotSettings(access_token="secret-token", read_retries=retries)
    return Transport(settings, sleep=clock.sleep, clock=clock)


def test_transport_retries_429_honouring_retry_after() -> None:
    clock = FakeClock()
    operation = Flaky([HttpError(429, {"Retry-After": "2"})])

    assert transport(clock).call(operation, idempotent=False) == "ok"
    assert operation.calls == 2
    assert sum(clock.slept) == pytest.approx(2.0)


def test_transport_honours_a_retry_after_date_in_the_zone_minus_0000() -> None:
    # email.utils parses "-0000" as a naive datetime, which once raised TypeError here.
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=8)).replace("+0000", "-0000")
    clock = FakeClock()
    operation = Flaky([HttpError(429, {"Retry-After": when})])

    assert transport(clock).call(operation, idempotent=True) == "ok"
    assert operation.calls == 2
    assert 6.0 < sum(clock.slept) <= 8.0


def test_transport_429_holds_back_every_caller_of_the_limiter() -> None:
    clock = FakeClock()
    shared = transport(clock, retries=0)

    with pytest.raises(CrmRateLimited):
        shared.call(Flaky([HttpError(429, {"Retry-After": "5"})]), idempotent=True)
    assert shared.call(Flaky([]), idempotent=True) == "ok"
    assert clock.slept == [pytest.approx(5.0)]


def test_transport_backs_off_between_retries_of_a_server_error() -> None:
    clock = FakeClock()
    operation = Flaky([HttpError(502), HttpError(502), HttpError(502)])

    assert transport(clock).call(operation, idempotent=True) == "ok"
    assert clock.slept == [0.5, 1.0, 2.0]


def test_transport_never_retries_unknown_outcome_of_a_create() -> None:
    clock = FakeClock()
    operation = Flaky([HttpError(500)])

    with pytest.raises(CrmOutcomeUnknown):
        transport(clock).call(operation, idempotent=False)
    assert operation.calls == 1


def test_transport_retries_idempotent_calls_then_gives_up() -> None:
    clock = FakeClock()
    operation = Flaky([HttpError(502), HttpError(503), HttpError(504), HttpError(500)])

    with pytest.raises(CrmOutcomeUnknown):
        transport(clock, retries=3).call(operation, idempotent=True)
    assert operation.calls == 4


def test_transport_lets_programming_errors_through() -> None:
    operation = Flaky([TypeError("bad argument")])

    with pytest.raises(TypeError):
        transport(FakeClock()).call(operation, idempotent=True)
