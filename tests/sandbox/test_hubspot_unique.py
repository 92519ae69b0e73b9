"""The HubSpot fake's unique-value properties: creatable, enforced, usable as ``idProperty``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def fake() -> HubSpotFake:
    return HubSpotFake(TOKEN)


@pytest.fixture
def base_url(fake: HubSpotFake) -> Iterator[str]:
    with LoopbackServer(fake) as server:
        yield server.base_url


def read(base_url: str, id_property: str, *ids: str) -> httpx.Response:
    body = {
        "idProperty": id_property,
        "inputs": [{"id": i} for i in ids],
        "properties": ["email", id_property],
        "propertiesWithHistory": [],
    }
    url = f"{base_url}/crm/v3/objects/contacts/batch/read"
    return httpx.post(url, json=body, headers=HEADERS)


def found(answer: httpx.Response, name: str) -> dict[str, str]:
    results: list[dict[str, Any]] = answer.json()["results"]
    return {r["properties"][name]: r["id"] for r in results}


def test_property_created_with_unique_values_is_an_id_property(
    fake: HubSpotFake, base_url: str
) -> None:
    definition = {
        "name": "customer_id",
        "label": "Customer id",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
        "hasUniqueValue": True,
    }
    created = httpx.post(f"{base_url}/crm/v3/properties/contacts", json=definition, headers=HEADERS)
    assert created.json()["hasUniqueValue"] is True
    first = fake.add_contact("ada@example.com", customer_id="C-1")
    second = fake.add_contact(None, customer_id="C-2")

    answer = read(base_url, "customer_id", "C-1", "C-2", "C-3")

    assert answer.status_code == 207  # C-3 is unknown
    assert found(answer, "customer_id") == {"C-1": first, "C-2": second}


def test_a_property_without_unique_values_is_refused_as_id_property(
    fake: HubSpotFake, base_url: str
) -> None:
    fake.define_property("contacts", "plan_tier")
    fake.add_contact("ada@example.com", plan_tier="gold")

    answer = read(base_url, "plan_tier", "gold")

    assert answer.status_code == 400
    assert "plan_tier is not a unique property" in answer.json()["message"]


def test_unique_values_stay_unique_and_the_index_follows_changes(
    fake: HubSpotFake, base_url: str
) -> None:
    fake.define_property("contacts", "customer_id", unique=True)
    contact = fake.add_contact("ada@example.com", customer_id="C-1")
    with pytest.raises(ValueError, match=r"customer_id 'C-1' already exists"):
        fake.add_contact("bob@example.com", customer_id="C-1")
    with pytest.raises(ValueError, match=r"email 'ada@example\.com' already exists"):
        fake.add_contact("ADA@example.com")
    update = {"inputs": [{"id": contact, "properties": {"customer_id": "C-7"}}]}
    url = f"{base_url}/crm/v3/objects/contacts/batch/update"
    assert httpx.post(url, json=update, headers=HEADERS).status_code == 200

    assert found(read(base_url, "customer_id", "C-1", "C-7"), "customer_id") == {"C-7": contact}
    assert fake.contact_by("customer_id", "C-1") is None
    assert found(read(base_url, "email", "ADA@EXAMPLE.COM"), "email") == {
        "ada@example.com": contact
    }
