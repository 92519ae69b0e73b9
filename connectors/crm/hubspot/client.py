"""A small typed layer over the untyped ``hubspot-api-client``; SDK models stop here.

The SDK's discovery properties (``client.crm.contacts.batch_api``) build a new ApiClient and
urllib3 pool on every access, so each API object is built once here and its pool closed in
``close``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import hubspot.crm.contacts.models as contact_models
import hubspot.crm.objects.tasks.models as task_models
from hubspot import HubSpot

from connectors.crm.hubspot.mapping import TASK_TO_CONTACT
from connectors.crm.hubspot.records import (
    BatchResult,
    Page,
    Record,
    TaskInput,
    item_error_from,
    list_of,
    next_after,
    owner_from,
    record_from,
)
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Operation, Transport
from syncd.model import Owner

ASSOCIATION_PAGE = 500
OWNER_PAGE = 100


class HubSpotApi:
    """The HubSpot calls syncd makes, each through the ``Transport``."""

    def __init__(self, settings: HubSpotSettings, transport: Transport) -> None:
        # retry=False: the daemon's outbox owns retries, and urllib3 must never repeat a POST.
        client = HubSpot(
            access_token=settings.access_token.get_secret_value(),
            host=settings.base_url,
            retry=False,
        )
        crm = client.crm
        self._contacts = crm.contacts.batch_api
        self._tasks = crm.objects.tasks.batch_api
        self._task_search = crm.objects.tasks.search_api
        self._associations = crm.associations.v4.basic_api
        self._owners = crm.owners.owners_api
        self._transport = transport

    def read_contacts(
        self, id_property: str, values: Sequence[str], properties: Sequence[str]
    ) -> BatchResult:
        """Contacts by the values of ``id_property``: ``email`` or a property with unique values.

        HubSpot's batch read takes "the name of a unique property to use for identifying records
        in inputs[].id" (POST /crm/v3/objects/contacts/batch/read, "Read a batch of contacts by
        internal ID, or unique property values", developers.hubspot.com/docs/api-reference/
        latest/crm/objects/objects/batch/get-objects). Unlike search it reads consistently.
        """
        request = contact_models.BatchReadInputSimplePublicObjectId(
            id_property=id_property,
            inputs=[contact_models.SimplePublicObjectId(id=value) for value in values],
            properties=list(properties),
            properties_with_history=[],
        )
        return self._batch(lambda t: self._contacts.read(request, _request_timeout=t))

    def update_contacts(self, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        request = contact_models.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                contact_models.SimplePublicObjectBatchInput(id=record_id, properties=dict(props))
                for record_id, props in inputs
            ]
        )
        return self._batch(lambda t: self._contacts.update(request, _request_timeout=t))

    def create_tasks(self, inputs: Sequence[TaskInput]) -> BatchResult:
        """Create tasks, each associated with its contact and labelled with its trace id."""
        request = task_models.BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                task_models.SimplePublicObjectBatchInputForCreate(
                    properties=dict(item.properties),
                    associations=[_contact_association(item.contact_id)],
                    object_write_trace_id=item.trace_id,
                )
                for item in inputs
            ]
        )
        # Not idempotent: a repeated create duplicates tasks, so only a 429/423 is retried.
        return self._batch(
            lambda t: self._tasks.create(request, _request_timeout=t), idempotent=False
        )

    def read_tasks(self, ids: Sequence[str], properties: Sequence[str]) -> BatchResult:
        request = task_models.BatchReadInputSimplePublicObjectId(
            inputs=[task_models.SimplePublicObjectId(id=task_id) for task_id in ids],
            properties=list(properties),
            properties_with_history=[],
        )
        return self._batch(lambda t: self._tasks.read(request, _request_timeout=t))

    def update_tasks(self, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        request = task_models.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                task_models.SimplePublicObjectBatchInput(id=task_id, properties=dict(props))
                for task_id, props in inputs
            ]
        )
        return self._batch(lambda t: self._tasks.update(request, _request_timeout=t))

    def contact_task_ids(self, contact_id: str, after: str | None) -> Page[str]:
        """One page of the ids of the tasks associated with a contact (v4, read consistently)."""
        response = self._transport.call(
            lambda t: self._associations.get_page(
                "contacts",
                contact_id,
                "tasks",
                limit=ASSOCIATION_PAGE,
                after=after,
                _request_timeout=t,
            ),
            idempotent=True,
        )
        ids = tuple(str(item.to_object_id) for item in list_of(response, "results"))
        return Page(ids, next_after(response))

    def search_tasks_modified_since(
        self, since_ms: int, properties: Sequence[str], limit: int, after: str | None
    ) -> Page[Record]:
        """Tasks with ``hs_lastmodifieddate >= since_ms``, oldest first, as ``Record``s."""
        request = _modified_since(since_ms, properties, limit, after)
        response = self._transport.call(
            lambda t: self._task_search.do_search(request, _request_timeout=t),
            idempotent=True,
            search=True,
        )
        return Page(
            tuple(record_from(item) for item in list_of(response, "results")), next_after(response)
        )

    def owners(self, after: str | None) -> Page[Owner]:
        """One page of active (not archived) owners."""
        response = self._transport.call(
            lambda t: self._owners.get_page(
                limit=OWNER_PAGE, after=after, archived=False, _request_timeout=t
            ),
            idempotent=True,
        )
        return Page(
            tuple(owner_from(item) for item in list_of(response, "results")), next_after(response)
        )

    def close(self) -> None:
        for api in (
            self._contacts,
            self._tasks,
            self._task_search,
            self._associations,
            self._owners,
        ):
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()

    def _batch(self, operation: Operation, *, idempotent: bool = True) -> BatchResult:
        response = self._transport.call(operation, idempotent=idempotent)
        return BatchResult(
            results=tuple(record_from(item) for item in list_of(response, "results")),
            errors=tuple(item_error_from(item) for item in list_of(response, "errors")),
        )


def _modified_since(since_ms: int, properties: Sequence[str], limit: int, after: str | None) -> Any:
    modified = "hs_lastmodifieddate"
    since = task_models.Filter(property_name=modified, operator="GTE", value=str(since_ms))
    return task_models.PublicObjectSearchRequest(
        filter_groups=[task_models.FilterGroup(filters=[since])],
        # The SDK types ``sorts`` as strings; HubSpot documents (and accepts) these objects.
        sorts=[{"propertyName": modified, "direction": "ASCENDING"}],
        properties=list(properties),
        limit=limit,
        after=after,
    )


def _contact_association(contact_id: str) -> Any:
    return task_models.PublicAssociationsForObject(
        to=task_models.PublicObjectId(id=contact_id),
        types=[
            task_models.AssociationSpec(
                association_category="HUBSPOT_DEFINED", association_type_id=TASK_TO_CONTACT
            )
        ],
    )
