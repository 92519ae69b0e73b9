"""How many calls ``HubSpotCrm`` makes: owners cached with a TTL, query booleans as specified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.throttle import DailyLimitReached
from syncd.sandbox.http import LoopbackServer, Request, Response
from tests.connectors.test_hubspot_crm import TOKEN, FakeClock, make_crm, task


class Recorder:
    """The fake behind a log of every query string it was sent."""

    def __init__(self, fake: HubSpotFake) -> None:
        self.fake = fake
        self.queries: list[tuple[str, dict[str, list[str]]]] = []

    def __call__(self, request: Request) -> Response:
        self.queries.append((request.path, dict(request.query)))
        return self.fake(request)


@pytest.fixture
def fake() -> HubSpotFake:
    portal = HubSpotFake(token=TOKEN)
    portal.set_up()
    portal.add_owner("ann@acme.example", "Ann", "Lee")
    return portal


@pytest.fixture
def recorder(fake: HubSpotFake) -> Recorder:
    return Recorder(fake)


@pytest.fixture
def server(recorder: Recorder) -> Iterator[LoopbackServer]:
    with LoopbackServer(recorder) as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def crm(server: LoopbackServer, clock: FakeClock) -> Iterator[HubSpotCrm]:
    client = make_crm(server, clock, owners_ttl_seconds=600)
    yield client
    client.close()


def owner_calls(fake: HubSpotFake) -> int:
    return sum(1 for _, path in fake.requests if path.startswith("/crm/v3/owners"))


def test_owners_are_listed_once_per_ttl(
    fake: HubSpotFake, crm: HubSpotCrm, clock: FakeClock
) -> None:
    first = crm.list_owners()
    for _ in range(5):
        assert crm.list_owners() == first
    assert owner_calls(fake) == 1
    clock.now += 601
    crm.list_owners()
    assert owner_calls(fake) == 2


def test_an_unknown_owner_on_create_lists_owners_again_at_once(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    crm.list_owners()
    contact = fake.add_contact("bo@client.example")
    outcome = crm.create_tasks([task("k1", contact, owner_id="404404")])
    assert "INVALID_OWNER_ID" in str(outcome["k1"])
    crm.list_owners()
    assert owner_calls(fake) == 2


def test_query_booleans_are_sent_in_lower_case(recorder: Recorder, crm: HubSpotCrm) -> None:
    crm.list_owners()
    crm.check()
    crm.setup(dry_run=True)
    archived = [query["archived"] for _, query in recorder.queries if "archived" in query]
    assert len(archived) >= 3  # owners, and the property listings of check and setup
    assert all(values == ["false"] for values in archived)


class LowAllowance(Recorder):
    """Every answer says how much of the day's allowance is left."""

    def __init__(self, fake: HubSpotFake, remaining: int) -> None:
        super().__init__(fake)
        self.remaining = remaining

    def __call__(self, request: Request) -> Response:
        response = super().__call__(request)
        response.headers |= {
            "X-HubSpot-RateLimit-Daily": "1000",
            "X-HubSpot-RateLimit-Daily-Remaining": str(self.remaining),
        }
        return response


def test_a_low_daily_allowance_pauses_calls_before_hubspot_refuses_them(
    fake: HubSpotFake, clock: FakeClock
) -> None:
    gate = LowAllowance(fake, remaining=500)
    with LoopbackServer(gate) as server:
        crm = make_crm(server, clock, owners_ttl_seconds=0)
        crm.list_owners()
        gate.remaining = 15  # under the default reserve of 2% of 1000
        crm.list_owners()
        sent = len(gate.queries)
        with pytest.raises(DailyLimitReached) as paused:
            crm.list_owners()
        assert len(gate.queries) == sent  # nothing sent while paused
        assert "nearly used up" in str(paused.value) and "UTC" in str(paused.value)
        assert paused.value.retry_after is not None and paused.value.retry_after <= 3600
        gate.remaining = 900  # the allowance reset
        clock.now += 3601
        crm.list_owners()  # resumes: one call finds the new allowance
        crm.list_owners()
        crm.close()
    assert len(gate.queries) == sent + 2
