"""The owner of each contact's primary company, in two batch reads per 100 contacts.

A contact's primary company is its read-only ``associatedcompanyid`` property, which HubSpot
keeps equal to the company its primary contact-to-company association points at; reading it
with the contact batch read avoids the v4 associations read (one call per contact, and no spec
in the package the contract tests check against). The company's ``hubspot_owner_id`` is then
read in one company batch read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from connectors.crm.hubspot import wire
from connectors.crm.hubspot.records import BatchResult
from connectors.crm.hubspot.sdk import close_api, sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Operation, Transport
from syncd.chunks import chunks

PRIMARY_COMPANY = "associatedcompanyid"
OWNER = "hubspot_owner_id"


class CompanyOwners:
    """Reads contacts' primary companies and those companies' owners through the ``Transport``."""

    def __init__(self, settings: HubSpotSettings, transport: Transport, batch_limit: int) -> None:
        self._settings = settings
        self._transport = transport
        self._limit = batch_limit

    # The SDK's API objects are built on the first question: routing by account owner is rare,
    # and the companies package (a megabyte of generated models) is otherwise never imported.
    @cached_property
    def _contacts(self) -> Any:
        return sdk_client(self._settings).crm.contacts.batch_api

    @cached_property
    def _companies(self) -> Any:
        return sdk_client(self._settings).crm.companies.batch_api

    def owners_of(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """Per contact id, the owner id of its primary company; absent when there is none."""
        company_of: dict[str, str] = {}
        for chunk in chunks(list(dict.fromkeys(contact_ids)), self._limit):
            for record in self._read_contacts(chunk).results:
                if company := record.properties.get(PRIMARY_COMPANY):
                    company_of[record.id] = company
        owner_of: dict[str, str] = {}
        for chunk in chunks(sorted(set(company_of.values())), self._limit):
            for record in self._read_companies(chunk).results:
                if owner := record.properties.get(OWNER):
                    owner_of[record.id] = owner
        return {c: owner_of[co] for c, co in company_of.items() if co in owner_of}

    def close(self) -> None:
        """Drop the pooled connections of the API objects built."""
        for name in ("_contacts", "_companies"):
            if name in self.__dict__:
                close_api(self.__dict__[name])

    def _read_contacts(self, ids: Sequence[str]) -> BatchResult:
        body = _read_body(ids, PRIMARY_COMPANY)
        # Ids HubSpot no longer has (a merged or deleted contact) come back as 207 errors.
        return self._batch(lambda t: self._contacts.read(body, _request_timeout=t, **wire.RAW))

    def _read_companies(self, ids: Sequence[str]) -> BatchResult:
        body = _read_body(ids, OWNER)
        return self._batch(lambda t: self._companies.read(body, _request_timeout=t, **wire.RAW))

    def _batch(self, operation: Operation) -> BatchResult:
        return wire.call_batch(self._transport, operation)


def _read_body(ids: Sequence[str], prop: str) -> dict[str, Any]:
    return {"inputs": [{"id": i} for i in ids], "properties": [prop], "propertiesWithHistory": []}
