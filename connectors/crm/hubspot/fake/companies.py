"""Seeding companies and a contact's primary company into the fake portal."""

from __future__ import annotations

import threading

from connectors.crm.hubspot.fake.company_schema import COMPANIES, PRIMARY_COMPANY
from connectors.crm.hubspot.fake.schema import CONTACTS
from connectors.crm.hubspot.fake.state import Store


class CompanyControls:
    """The test-facing calls that create companies and make one a contact's primary company."""

    _lock: threading.RLock
    _store: Store

    def add_company(self, name: str, *, owner_id: str | None = None) -> str:
        """A company, owned by ``owner_id`` when given; returns its id."""
        with self._lock:
            if owner_id is not None and owner_id not in self._store.owners:
                raise ValueError(f"no owner {owner_id!r}")
            properties = {"name": name, **({"hubspot_owner_id": owner_id} if owner_id else {})}
            return self._store.create(COMPANIES, properties).id

    def set_primary_company(self, contact_id: str, company_id: str) -> None:
        """Make ``company_id`` the contact's primary company, as the associations API would."""
        with self._lock:
            contact = self._store.get(CONTACTS, contact_id)
            if contact is None or self._store.get(COMPANIES, company_id) is None:
                raise ValueError(f"no contact {contact_id!r} or no company {company_id!r}")
            self._store.change(contact, {PRIMARY_COMPANY: company_id})

    def company(self, company_id: str) -> dict[str, str] | None:
        """The company's properties as stored (set values only), or None."""
        with self._lock:
            record = self._store.get(COMPANIES, company_id)
            return None if record is None else dict(record.properties)
