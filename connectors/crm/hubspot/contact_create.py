"""Creating contacts for respondents HubSpot does not have: a batch upsert keyed by email.

HubSpot's contacts batch upsert accepts ``idProperty: email``: an email no contact holds
creates one, an email a contact already holds updates it (here: sets the same email again), so
a retry after an unknown outcome, or a contact someone created meanwhile, never doubles it.
"""

from __future__ import annotations

from collections.abc import Sequence

import hubspot.crm.contacts.models as contact_models

from connectors.crm.hubspot import outcomes
from connectors.crm.hubspot.batching import send_groups
from connectors.crm.hubspot.records import BatchResult, item_error_from, list_of, record_from
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.chunks import chunks
from syncd.contracts import BatchOutcome
from syncd.errors import SyncdError
from syncd.model import NewContact

EMAIL = "email"


class ContactCreator:
    """Upserts contacts by email through the ``Transport``, 100 per call."""

    def __init__(self, settings: HubSpotSettings, transport: Transport, batch_limit: int) -> None:
        client = sdk_client(settings)
        self._contacts = client.crm.contacts.batch_api
        self._transport = transport
        self._limit = batch_limit

    def create(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        """The contact id per ``NewContact.key``, created or found by its email."""
        # One input per email: HubSpot refuses a batch naming the same record twice.
        first = {_email(new): new for new in reversed(contacts)}
        groups = list(chunks(list(first.values()), self._limit))
        sent = send_groups(groups, self._send, lambda new: new.key)
        return {new.key: sent[first[_email(new)].key] for new in contacts}

    def close(self) -> None:
        """Drop the pooled connections."""
        self._contacts.api_client.rest_client.pool_manager.clear()
        self._contacts.api_client.close()

    def _send(self, contacts: Sequence[NewContact]) -> dict[str, str | SyncdError]:
        request = contact_models.BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                contact_models.SimplePublicObjectBatchInputUpsert(
                    id_property=EMAIL,
                    id=_email(new),
                    properties={EMAIL: _email(new)},
                    object_write_trace_id=new.key,
                )
                for new in contacts
            ]
        )
        response = self._transport.call(
            lambda t: self._contacts.upsert(request, _request_timeout=t), idempotent=True
        )
        result = BatchResult(
            results=tuple(record_from(item) for item in list_of(response, "results")),
            errors=tuple(item_error_from(item) for item in list_of(response, "errors")),
        )
        return outcomes.match(
            contacts,
            result,
            key=lambda new: new.key,
            ref=_email,
            record_refs=lambda r: ((r.properties.get(EMAIL) or "").lower(), r.trace_id),
            error_for=outcomes.task_error,
        )


def _email(new: NewContact) -> str:
    return new.email.strip().lower()
