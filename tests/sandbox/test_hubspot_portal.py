"""The HubSpot fake behaves like a real portal: it starts without syncd's properties, refuses a
second record with a unique value as HubSpot does, lags in search, answers 207 for a partly
refused batch create, and rate-limits with HubSpot's 429 bodies, headers and daily allowance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    """A business clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> HubSpotFake:
    return HubSpotFake(TOKEN, clock=clock)


@pytest.fixture
def base_url(fake: HubSpotFake) -> Iterator[str]:
    with LoopbackServer(fake) as server:
        yield server.base_url


def call(base_url: str, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{base_url}{path}", json=body, headers=HEADERS)


def task(key: str, contact_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"properties": {"hs_timestamp": "1795510800000", "nps_task_key": key}}
    if contact_id is not None:
        spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}
        item["associations"] = [{"to": {"id": contact_id}, "types": [spec]}]
    return item


def test_a_new_portal_has_none_of_syncds_properties_until_set_up(
    fake: HubSpotFake, base_url: str
) -> None:
    before = call(base_url, "GET", "/crm/v3/properties/contacts/nps_score")
    fake.set_up()
    fake.set_up()  # idempotent, as `syncd crm setup` is
    score = call(base_url, "GET", "/crm/v3/properties/contacts/nps_score").json()
    key = call(base_url, "GET", "/crm/v3/properties/tasks/nps_task_key").json()
    group = call(base_url, "GET", "/crm/v3/properties/contacts/groups/nps")

    assert before.status_code == 404
    assert (score["type"], score["groupName"], score["hubspotDefined"]) == ("number", "nps", False)
    assert key["hasUniqueValue"] is True
    assert group.status_code == 200


def test_a_taken_unique_value_is_refused_with_hubspots_conflict(
    fake: HubSpotFake, base_url: str
) -> None:
    fake.set_up()
    ada = fake.add_contact("ada@example.com")
    bob = fake.add_contact("bob@example.com")
    first = call(base_url, "POST", "/crm/v3/objects/tasks", task("k1", ada))
    again = call(base_url, "POST", "/crm/v3/objects/tasks", task("k1", ada))
    steal = {"inputs": [{"id": bob, "properties": {"email": "ADA@example.com"}}]}
    stolen = call(base_url, "POST", "/crm/v3/objects/contacts/batch/update", steal)

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["category"] == "CONFLICT"
    assert again.json()["message"].endswith(f"already exists. Existing ID: {first.json()['id']}")
    assert stolen.status_code == 409
    assert stolen.json()["message"] == f"Contact already exists. Existing ID: {ada}"
    assert fake.contact_by_email("bob@example.com") is not None  # nothing was written
    assert len(fake.tasks()) == 1


def test_a_batch_create_with_a_taken_key_creates_the_rest_and_answers_207(
    fake: HubSpotFake, base_url: str
) -> None:
    fake.set_up()
    ada = fake.add_contact("ada@example.com")
    call(base_url, "POST", "/crm/v3/objects/tasks", task("k1", ada))
    batch = {"inputs": [task("k1", ada), task("k2", ada), task("k2", ada)]}

    answer = call(base_url, "POST", "/crm/v3/objects/tasks/batch/create", batch)
    body = answer.json()

    assert answer.status_code == 207
    assert [r["properties"]["nps_task_key"] for r in body["results"]] == ["k2"]
    assert body["numErrors"] == 2
    assert {e["category"] for e in body["errors"]} == {"CONFLICT"}
    assert sorted(t["properties"]["nps_task_key"] for t in fake.tasks()) == ["k1", "k2"]


def test_search_lags_behind_writes_by_default(
    fake: HubSpotFake, base_url: str, clock: Clock
) -> None:
    fake.set_up()
    ada = fake.add_contact("ada@example.com")
    call(base_url, "POST", "/crm/v3/objects/tasks", task("k1", ada))
    query = {"filterGroups": [], "properties": ["nps_task_key"], "limit": 10}

    at_once = call(base_url, "POST", "/crm/v3/objects/tasks/search", query).json()
    clock.now += timedelta(seconds=fake.search_lag_seconds)
    later = call(base_url, "POST", "/crm/v3/objects/tasks/search", query).json()

    assert fake.search_lag_seconds > 0
    assert at_once["total"] == 0 and later["total"] == 1


def test_the_burst_limit_answers_429_with_rate_limit_headers_in_both_body_shapes() -> None:
    limited = HubSpotFake(TOKEN, ten_second_limit=1)
    with LoopbackServer(limited) as server:
        ok = call(server.base_url, "GET", "/crm/v3/owners")
        named = call(server.base_url, "GET", "/crm/v3/owners")
        limited.name_rate_limit_policies(False)
        bare = call(server.base_url, "GET", "/crm/v3/owners")

    assert ok.headers["X-HubSpot-RateLimit-Max"] == "1"
    assert ok.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert (named.status_code, named.json()["policyName"]) == (429, "TEN_SECONDLY_ROLLING")
    assert named.json()["errorType"] == "RATE_LIMIT"
    assert named.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert bare.status_code == 429 and "policyName" not in bare.json()
    assert bare.json()["message"] == "You have reached your ten_secondly_rolling limit."


def test_search_has_its_own_secondly_limit(base_url: str) -> None:
    query = {"filterGroups": [], "limit": 1}
    answers = [call(base_url, "POST", "/crm/v3/objects/contacts/search", query) for _ in range(20)]
    refused = [a for a in answers if a.status_code == 429]

    assert refused and refused[0].json()["policyName"] == "SECONDLY"
    assert "X-HubSpot-RateLimit-Max" not in refused[0].headers  # search sends no rate headers


def test_lifted_limits_refuse_nothing_the_benchmark_sends() -> None:
    portal = HubSpotFake(TOKEN, ten_second_limit=1, daily_limit=1)
    portal.lift_limits()
    query = {"filterGroups": [], "limit": 1}
    with LoopbackServer(portal) as server:
        plain = [call(server.base_url, "GET", "/crm/v3/owners") for _ in range(5)]
        search = [
            call(server.base_url, "POST", "/crm/v3/objects/contacts/search", query)
            for _ in range(10)
        ]

    assert {answer.status_code for answer in plain + search} == {200}


def test_the_daily_allowance_runs_out_and_comes_back_the_next_day(clock: Clock) -> None:
    portal = HubSpotFake(TOKEN, clock=clock, daily_limit=2)
    with LoopbackServer(portal) as server:
        answers = [call(server.base_url, "GET", "/crm/v3/owners") for _ in range(3)]
        clock.now += timedelta(days=1)
        next_day = call(server.base_url, "GET", "/crm/v3/owners")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Daily"] == "2"
    assert answers[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert answers[2].json()["policyName"] == "DAILY"
    assert next_day.status_code == 200
    assert next_day.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
