"""The Delighted fake's own semantics, over real HTTP: auth, filters, order, paging, failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.sources.delighted.fake import DelightedFake
from connectors.sources.delighted.fake.faults import Fault
from syncd.sandbox.http import Handler, LoopbackServer, Request, Response

KEY = "fake-key"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1717200000
RECORD_KEYS = {
    "id",
    "person",
    "survey_type",
    "score",
    "comment",
    "permalink",
    "created_at",
    "updated_at",
    "person_properties",
    "notes",
    "tags",
    "additional_answers",
}

Params = Mapping[str, str | int | Sequence[str]]


@pytest.fixture
def fake() -> DelightedFake:
    return DelightedFake(KEY, clock=lambda: T0)


class _Switch:
    """Routes to the current test's fake, so one server serves the module.

    Stopping a ``LoopbackServer`` takes half a second (``serve_forever``'s poll interval).
    """

    def __init__(self) -> None:
        self.app: Handler = lambda request: Response(503)

    def __call__(self, request: Request) -> Response:
        return self.app(request)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[_Switch, LoopbackServer]]:
    switch = _Switch()
    with LoopbackServer(switch) as server:
        yield switch, server


@pytest.fixture
def server(fake: DelightedFake, shared: tuple[_Switch, LoopbackServer]) -> LoopbackServer:
    switch, server = shared
    switch.app = fake
    return server


@pytest.fixture
def client(server: LoopbackServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.base_url}/v1", auth=(KEY, "")) as client:
        yield client


def _list(client: httpx.Client, params: Params | None = None) -> list[dict[str, Any]]:
    response = client.get("/survey_responses.json", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list)
    return body


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items]


def _seed(fake: DelightedFake, count: int, step: timedelta = timedelta(minutes=1)) -> list[str]:
    return [
        fake.add_response(email=f"r{i}@example.org", score=i % 11, created_at=T0 + i * step)
        for i in range(count)
    ]


# -- auth and routing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [None, ("wrong-key", ""), (KEY, "password"), ("", KEY)],
    ids=["missing", "wrong-key", "non-empty-password", "key-as-password"],
)
def test_rejects_bad_credentials(server: LoopbackServer, auth: tuple[str, str] | None) -> None:
    with httpx.Client(base_url=f"{server.base_url}/v1", auth=auth) as client:
        response = client.get("/survey_responses.json")
    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Invalid API key"}


def test_rejects_a_garbled_basic_header(server: LoopbackServer) -> None:
    headers = {"Authorization": "Basic !!!not-base64"}
    response = httpx.get(f"{server.base_url}/v1/survey_responses.json", headers=headers)
    assert response.status_code == 401


def test_json_only_without_suffix_needs_accept_header(client: httpx.Client) -> None:
    assert client.get("/survey_responses").status_code == 406
    json_accept = {"Accept": "application/json"}
    assert client.get("/survey_responses", headers=json_accept).status_code == 200
    html_accept = {"Accept": "text/html"}
    assert client.get("/survey_responses.json", headers=html_accept).status_code == 200


def test_unknown_path_and_method(client: httpx.Client) -> None:
    assert client.get("/people.json").status_code == 404
    assert client.post("/survey_responses.json").status_code == 405


@pytest.mark.parametrize(
    "params",
    [{"per_page": "many"}, {"page": 0}, {"per_page": -5}, {"order": "sideways"}, {"since": "x"}],
)
def test_invalid_parameters_are_422(client: httpx.Client, params: Params) -> None:
    response = client.get("/survey_responses.json", params=params)
    assert response.status_code == 422
    assert response.json()["status"] == 422


# -- record shape -----------------------------------------------------------------------------


def test_record_shape_and_person_expansion(fake: DelightedFake, client: httpx.Client) -> None:
    fake.add_response(
        email="dana@example.org",
        score=6,
        comment="slow onboarding",
        name="Dana",
        person_properties={"customer_id": "C-1"},
    )
    [plain] = _list(client)
    [expanded] = _list(client, {"expand[]": ["person"]})
    assert set(plain) == RECORD_KEYS
    assert plain["id"] == "1"
    assert plain["person"] == "1"
    assert plain["created_at"] == T0_UNIX
    assert plain["updated_at"] is None
    assert plain["person_properties"] == {"customer_id": "C-1"}
    assert expanded["person"] == {
        "id": "1",
        "email": "dana@example.org",
        "name": "Dana",
        "created_at": T0_UNIX,
        "phone_number": None,
    }


def test_same_email_is_the_same_person(fake: DelightedFake) -> None:
    fake.add_response(email="a@example.org", score=1)
    fake.add_response(email="b@example.org", score=2)
    fake.add_response(email="a@example.org", score=3)
    fake.add_response(email=None, score=4)
    person_ids = [record["person"]["id"] for record in fake.responses()]
    assert person_ids == ["1", "2", "1", "3"]


def test_overrides_change_the_json_but_not_the_window(
    fake: DelightedFake, client: httpx.Client
) -> None:
    fake.add_response(email="a@example.org", score=5, overrides={"created_at": "yesterday"})
    [item] = _list(client, {"since": T0_UNIX, "until": T0_UNIX})
    assert item["created_at"] == "yesterday"


def test_responses_returns_copies(fake: DelightedFake) -> None:
    fake.add_response(email="a@example.org", score=5)
    fake.responses()[0]["score"] = 99
    assert fake.responses()[0]["score"] == 5


# -- paging -----------------------------------------------------------------------------------


def test_per_page_defaults_to_20_and_clamps_to_100(
    fake: DelightedFake, client: httpx.Client
) -> None:
    ids = _seed(fake, 130)
    assert _ids(_list(client)) == ids[:20]
    assert _ids(_list(client, {"per_page": 500})) == ids[:100]
    assert _ids(_list(client, {"per_page": 100, "page": 2})) == ids[100:]
    assert _list(client, {"per_page": 100, "page": 3}) == []


# -- filters ----------------------------------------------------------------------------------


def test_since_until_are_inclusive_on_created_at(fake: DelightedFake, client: httpx.Client) -> None:
    ids = _seed(fake, 5)  # one per minute from T0
    window = {"since": T0_UNIX + 60, "until": T0_UNIX + 180}
    assert _ids(_list(client, window)) == ids[1:4]


def test_updated_filters_skip_never_updated_responses(
    fake: DelightedFake, client: httpx.Client
) -> None:
    ids = _seed(fake, 4)
    fake.update_response(ids[0], comment="later", at=T0 + timedelta(hours=1))
    fake.update_response(ids[2], comment="later", at=T0 + timedelta(hours=2))
    one_hour = T0_UNIX + 3600
    assert _ids(_list(client, {"updated_since": T0_UNIX})) == [ids[0], ids[2]]
    assert _ids(_list(client, {"updated_since": one_hour, "updated_until": one_hour})) == [ids[0]]
    assert _ids(_list(client, {"updated_until": one_hour + 3599})) == [ids[0]]


def test_created_and_updated_filters_combine(fake: DelightedFake, client: httpx.Client) -> None:
    ids = _seed(fake, 3)
    for response_id in ids:
        fake.update_response(response_id, at=T0 + timedelta(hours=1))
    params = {"since": T0_UNIX + 60, "updated_since": T0_UNIX + 3600}
    assert _ids(_list(client, params)) == ids[1:]


# -- order ------------------------------------------------------------------------------------


def test_orders(fake: DelightedFake, client: httpx.Client) -> None:
    first, second, third = _seed(fake, 3)
    fake.update_response(first, comment="late", at=T0 + timedelta(hours=1))
    # ``third`` was never updated: it sorts by its created_at, between the others' updates.
    fake.update_response(second, comment="early", at=T0 + timedelta(seconds=90))
    assert _ids(_list(client)) == [first, second, third]
    assert _ids(_list(client, {"order": "desc"})) == [third, second, first]
    assert _ids(_list(client, {"order": "asc:updated_at"})) == [second, third, first]
    assert _ids(_list(client, {"order": "desc:updated_at"})) == [first, third, second]


def test_ties_in_created_at_order_by_id(fake: DelightedFake, client: httpx.Client) -> None:
    ids = [fake.add_response(email=f"{i}@example.org", score=i, created_at=T0) for i in range(3)]
    assert _ids(_list(client)) == ids
    assert _ids(_list(client, {"order": "desc"})) == ids[::-1]


# -- updates ----------------------------------------------------------------------------------


def test_update_moves_updated_at_strictly_forward(fake: DelightedFake) -> None:
    response_id = fake.add_response(email="a@example.org", score=3, created_at=T0)
    fake.update_response(response_id, comment="first", at=T0 - timedelta(days=1))
    fake.update_response(response_id, score=4, at=T0)
    [record] = fake.responses()
    assert record["updated_at"] == T0_UNIX + 2
    assert (record["comment"], record["score"]) == ("first", 4)


def test_update_without_at_uses_the_clock(fake: DelightedFake) -> None:
    response_id = fake.add_response(email="a@example.org", score=3, created_at=T0 - timedelta(1))
    fake.update_response(response_id, comment="now")
    assert fake.responses()[0]["updated_at"] == T0_UNIX


def test_update_of_unknown_response_raises(fake: DelightedFake) -> None:
    with pytest.raises(KeyError):
        fake.update_response("404", comment="nobody")


# -- failures ---------------------------------------------------------------------------------


def test_injected_429_carries_retry_after_then_recovers(
    fake: DelightedFake, client: httpx.Client
) -> None:
    fake.inject(429, times=2, retry_after=3)
    for _ in range(2):
        response = client.get("/survey_responses.json")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        assert response.json() == {"status": 429, "message": "Too Many Requests"}
    assert _list(client) == []
    assert len(fake.requests) == 3


@pytest.mark.parametrize("status", [500, 503])
def test_injected_server_errors_have_json_bodies(
    fake: DelightedFake, client: httpx.Client, status: int
) -> None:
    fake.inject(status)
    response = client.get("/survey_responses.json")
    assert response.status_code == status
    assert response.json()["status"] == status
    assert "retry-after" not in response.headers


def test_requests_records_query_parameters(fake: DelightedFake, client: httpx.Client) -> None:
    _list(client, {"since": 5, "expand[]": ["person"]})
    assert fake.requests == [{"since": ["5"], "expand[]": ["person"]}]


def test_concurrent_seeding_and_listing(fake: DelightedFake, client: httpx.Client) -> None:
    def seed(worker: int) -> None:
        for i in range(25):
            fake.add_response(email=f"{worker}-{i}@example.org", score=i % 11)

    threads = [threading.Thread(target=seed, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        assert len(_list(client, {"per_page": 100})) <= 100
    for thread in threads:
        thread.join()
    ids = _ids(_list(client, {"per_page": 100}))
    assert sorted(ids, key=int) == [str(i) for i in range(1, 101)]


# -- faults no status code covers ---------------------------------------------------------------


def test_endless_fault_answers_full_pages_of_new_responses(
    fake: DelightedFake, client: httpx.Client
) -> None:
    fake.misbehave(Fault.ENDLESS)
    window = {"since": T0_UNIX, "until": T0_UNIX + 60, "per_page": 5}
    first, later = _list(client, window), _list(client, {**window, "page": 99})
    assert len(first) == len(later) == 5
    assert not {r["id"] for r in first} & {r["id"] for r in later}
    assert {r["created_at"] for r in first + later} == {T0_UNIX}


def test_repeat_fault_answers_the_same_page_whatever_is_asked(
    fake: DelightedFake, client: httpx.Client
) -> None:
    fake.misbehave(Fault.REPEAT)
    first = _list(client, {"since": T0_UNIX, "per_page": 3})
    assert len(first) == 3
    assert _list(client, {"since": T0_UNIX + 50, "page": 7, "per_page": 3}) == first


def test_trickle_fault_sends_the_real_page_a_byte_at_a_time(
    fake: DelightedFake, client: httpx.Client
) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.misbehave(Fault.TRICKLE, trickle_seconds=0.001)
    with client.stream("GET", "/survey_responses.json") as response:
        chunks = list(response.iter_raw())
    assert len(chunks) > 10  # arrived in pieces
    fake.misbehave(None)
    assert [r["score"] for r in _list(client)] == [9]
