"""``HubSpotCrm.create_contacts`` against the HubSpot fake: a batch upsert keyed by email."""

from __future__ import annotations

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.model import NewContact


def test_creates_new_emails_and_returns_existing_contacts(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    known = fake.add_contact("known@x.example")
    wanted = [NewContact("a", "New@X.example"), NewContact("b", "KNOWN@x.example")]

    first = crm.create_contacts([*wanted, NewContact("c", "new@x.example")])
    again = crm.create_contacts(wanted)  # a retry after an unknown outcome

    created = fake.contact_by_email("new@x.example")
    assert created is not None
    assert first == {"a": created["id"], "b": known, "c": created["id"]}
    assert again == {"a": created["id"], "b": known}
    assert len(fake.contacts()) == 2
    upserts = [p for _, p in fake.requests if p.endswith("/contacts/batch/upsert")]
    assert len(upserts) == 2
