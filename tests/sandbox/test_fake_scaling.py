"""The fakes answer a windowed request by reading only its window, not every stored record.

Counted, not timed: a request near the end of a large store may examine at most the records
it can return. Scanning everything per request made the fakes, not syncd, the bottleneck of a
large sandbox (paging through N records cost O(N^2)).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.fake import app as hubspot_app
from connectors.crm.hubspot.fake.state import Record
from connectors.sources.delighted.fake import DelightedFake
from connectors.sources.delighted.fake import query as delighted_query
from syncd.sandbox.http import Request

N = 2_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def _request(
    method: str, path: str, body: object = None, query: dict[str, list[str]] | None = None
) -> Request:
    encoded = b"" if body is None else json.dumps(body).encode()
    auth = "Basic " + base64.b64encode(b"k:").decode() if path.startswith("/v1") else "Bearer t"
    return Request(method, path, query or {}, {"authorization": auth}, encoded)


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.fixture
def delighted() -> DelightedFake:
    fake = DelightedFake("k")
    for i in range(N):
        fake.add_response(email=f"p{i}@example.org", score=i % 11, created_at=_at(i))
    return fake


def _at(second: int) -> datetime:
    return START + timedelta(seconds=second)


def _list(fake: DelightedFake, **params: str) -> list[dict[str, Any]]:
    query = {name: [value] for name, value in params.items()}
    response = fake(_request("GET", "/v1/survey_responses.json", query=query))
    assert response.status == 200
    return list(response.body)


def test_delighted_lists_a_late_window_without_a_scan(
    delighted: DelightedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    examined = _counting(monkeypatch, delighted_query, "matches")
    since = str(int(_at(N - 30).timestamp()))

    page = _list(delighted, since=since, per_page="20", page="2")

    assert [item["id"] for item in page] == [str(n) for n in range(N - 9, N + 1)]
    assert examined[0] <= 20


def test_delighted_updated_filter_reads_only_updated_answers(
    delighted: DelightedFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    for response_id in ("5", "900", "17"):
        delighted.update_response(response_id, comment="later", at=_at(N + 100))
    delighted.update_response("5", comment="again", at=_at(N + 200))
    examined = _counting(monkeypatch, delighted_query, "matches")

    since = str(int(_at(N).timestamp()))
    page = _list(delighted, updated_since=since, order="asc:updated_at")

    assert [item["id"] for item in page] == ["17", "900", "5"]
    assert examined[0] <= 3


def test_hubspot_search_reads_only_records_changed_since_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [START]
    fake = HubSpotFake("t", clock=lambda: now[0], search_lag_seconds=0, ten_second_limit=10**9)
    ids: list[str] = []
    for i in range(N):
        now[0] = _at(i)
        ids.append(fake.add_contact(f"c{i}@example.org"))
    examined = _counting(monkeypatch, Record, "indexed")
    bound = int((_at(N - 5)).timestamp() * 1000)
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": bound}]}
        ],
        "limit": 100,
    }

    response = fake(_request("POST", "/crm/v3/objects/contacts/search", body))

    assert [hit["id"] for hit in response.body["results"]] == ids[-5:]
    assert examined[0] <= 5


def test_hubspot_tasks_of_a_contact_come_from_the_association_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = HubSpotFake("t", search_lag_seconds=0, ten_second_limit=10**9)
    contact = fake.add_contact("dana@example.org")
    listed = _counting(monkeypatch, hubspot_app.HubSpotFake, "tasks")

    assert fake.tasks_for_contact(contact) == []
    assert listed[0] == 0


def test_hubspot_contacts_of_a_company_come_from_the_value_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = HubSpotFake("t", search_lag_seconds=0, ten_second_limit=10**9)
    companies = [fake.add_company(f"Co {n}") for n in range(50)]
    for i in range(N):
        fake.set_primary_company(fake.add_contact(f"c{i}@example.org"), companies[i % 50])
    examined = _counting(monkeypatch, Record, "indexed")
    wanted = companies[:2]
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "associatedcompanyid", "operator": "IN", "values": wanted}
                ]
            }
        ],
        "limit": 200,
    }

    response = fake(_request("POST", "/crm/v3/objects/contacts/search", body))

    assert response.body["total"] == 2 * N // 50
    assert examined[0] <= 2 * N // 50
