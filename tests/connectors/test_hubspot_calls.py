"""How many calls ``HubSpotCrm`` makes: owners cached with a TTL, query booleans as specified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
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
