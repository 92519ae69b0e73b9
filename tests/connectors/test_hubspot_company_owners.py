"""``HubSpotCrm.company_owners`` against the HubSpot fake: primary company, then its owner."""

from __future__ import annotations

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake


def test_each_contact_gets_its_primary_companys_owner(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    sam = fake.add_owner("sam@acme.example", "Sam", "Ortiz")
    owned = fake.add_company("Acme", owner_id=sam)
    unowned = fake.add_company("Nobody Inc")
    contacts = [fake.add_contact(f"p{n}@x.example") for n in range(150)]
    for contact in contacts[:120]:
        fake.set_primary_company(contact, owned)
    fake.set_primary_company(contacts[120], unowned)

    found = crm.company_owners([*contacts, "999999"])

    assert found == {contact: sam for contact in contacts[:120]}
    paths = [path for _, path in fake.requests]
    # 151 ids: two contact reads; the two companies in one company read.
    assert sum(p.endswith("/contacts/batch/read") for p in paths) == 2
    assert sum(p.endswith("/companies/batch/read") for p in paths) == 1


def test_no_call_for_no_contacts(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    assert crm.company_owners([]) == {}
    assert fake.requests == []
