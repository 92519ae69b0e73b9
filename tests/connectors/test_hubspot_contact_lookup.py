"""``HubSpotCrm.find_contacts`` by email and by a unique property, against the HubSpot fake."""

from __future__ import annotations

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.errors import CrmRejected
from syncd.model import EMAIL, ContactField
from tests.connectors.conftest import TOKEN

CUSTOMER_ID = ContactField("customer_id")


@pytest.fixture
def fake() -> HubSpotFake:
    hubspot = HubSpotFake(TOKEN)
    hubspot.define_property("contacts", "customer_id", unique=True)
    return hubspot


def reads(fake: HubSpotFake) -> int:
    return sum(1 for _, path in fake.requests if path.endswith("/contacts/batch/read"))


def test_find_by_a_unique_property_in_batches(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    owner = fake.add_owner("sam@acme.example", "Sam", "Ortiz")
    ids = [fake.add_contact(None, customer_id=f"C-{n}") for n in range(120)]
    with_email = fake.add_contact("ada@example.com", owner_id=owner, customer_id="C-ada")
    wanted = [f"C-{n}" for n in range(120)] + ["C-ada", "C-404", " C-7 "]

    found = crm.find_contacts(CUSTOMER_ID, wanted)

    assert reads(fake) == 2  # 121 distinct values, 100 per batch read
    assert {key: contact.id for key, contact in found.items()} == {
        **{f"C-{n}": contact_id for n, contact_id in enumerate(ids)},
        "C-ada": with_email,
    }
    assert found["C-0"].email is None
    assert (found["C-ada"].email, found["C-ada"].owner_id) == ("ada@example.com", owner)


def test_email_lookup_is_unchanged_by_the_property(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    ada = fake.add_contact("ada@example.com", customer_id="C-1")

    assert {k: c.id for k, c in crm.find_contacts(EMAIL, ["ADA@example.com"]).items()} == {
        "ada@example.com": ada
    }
    assert crm.find_contacts(CUSTOMER_ID, ["ada@example.com"]) == {}


def test_a_property_hubspot_cannot_look_up_by_says_what_to_fix(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    fake.define_property("contacts", "plan_tier")

    with pytest.raises(CrmRejected) as caught:
        crm.find_contacts(ContactField("plan_tier"), ["gold"])

    message = str(caught.value)
    assert "property 'plan_tier'" in message and "match_contacts_by" in message
