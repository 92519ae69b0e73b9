"""A small typed layer over the untyped ``hubspot-api-client``; SDK models stop here.

The SDK's discovery properties (``client.crm.contacts.batch_api``) build a new ApiClient and
urllib3 pool on every access, so each API object is built once here and its pool closed in
``close``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import hubspot.crm.associations.v4.models as association_models
import hubspot.crm.contacts.models as contact_models
import hubspot.crm.objects.tasks.models as task_models

from connectors.crm.hubspot.records import (
    NOT_ARCHIVED,
    BatchResult,
    Page,
    Record,
    TaskInput,
    association_result,
    item_error_from,
    list_of,
    next_after,
    owner_from,
    record_from,
)
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Operation, Transport
from syncd.model import Owner

OWNER_PAGE = 100


class HubSpotApi:
    """The HubSpot calls syncd makes, each through the ``Transport``."""

    def __init__(self, settings: HubSpotSettings, transport: Transport) -> None:
        client = sdk_client(settings)
        crm = client.crm
        self._contacts = crm.contacts.batch_api
        self._tasks = crm.objects.tasks.batch_api
        self._task_search = crm.objects.tasks.search_api
        self._associations = crm.associations.v4.batch_api
        self._properties = crm.properties.core_api
        self._owners = crm.owners.owners_api
        self._transport = transport
        for api in self._apis():
            transport.watch(api)

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
        """Write properties onto contacts by record id; per-item errors come back in the result."""
        request = contact_models.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                contact_models.SimplePublicObjectBatchInput(id=record_id, properties=dict(props))
                for record_id, props in inputs
            ]
        )
        return self._batch(lambda t: self._contacts.update(request, _request_timeout=t))

    def upsert_tasks(self, key_property: str, inputs: Sequence[TaskInput]) -> BatchResult:
        """Create each task whose key is new, update the others (``results[].new`` tells).

        Keyed by a unique property, so repeating the call after an unknown outcome is safe
        and is retried inline like any idempotent call.
        """
        request = task_models.BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                task_models.SimplePublicObjectBatchInputUpsert(
                    id_property=key_property,
                    id=item.key,
                    properties=dict(item.properties),
                    object_write_trace_id=item.key,
                )
                for item in inputs
            ]
        )
        return self._batch(lambda t: self._tasks.upsert(request, _request_timeout=t))

    def associate_tasks_with_contacts(self, pairs: Sequence[tuple[str, str]]) -> BatchResult:
        """Default task-to-contact associations for (task id, contact id) pairs.

        An association exists or not, so making it again changes nothing: safe to repeat.
        (https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/batch/create-associations)
        """
        request = association_models.BatchInputPublicDefaultAssociationMultiPost(
            inputs=[
                association_models.PublicDefaultAssociationMultiPost(
                    _from=association_models.PublicObjectId(id=task_id),
                    to=association_models.PublicObjectId(id=contact_id),
                )
                for task_id, contact_id in pairs
            ]
        )
        # hubspot-api-client 12 maps only a 200 here and returns None for a 207 (some inputs
        # failed), so the body is read raw to keep the per-input errors.
        raw = self._transport.call(
            lambda t: self._associations.create_default(
                "tasks", "contacts", request, _request_timeout=t, _preload_content=False
            ),
            idempotent=True,
        )
        try:
            return association_result(raw.data)
        finally:
            raw.release_conn()

    def task_property_is_unique(self, name: str) -> bool:
        """Whether the task property ``name`` requires unique values (a 404 if it is missing)."""
        prop = self._transport.call(
            lambda t: self._properties.get_by_name("tasks", name, _request_timeout=t),
            idempotent=True,
        )
        return bool(getattr(prop, "has_unique_value", False))

    def update_tasks(self, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        """Write properties onto tasks by record id; per-item errors come back in the result."""
        request = task_models.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                task_models.SimplePublicObjectBatchInput(id=task_id, properties=dict(props))
                for task_id, props in inputs
            ]
        )
        return self._batch(lambda t: self._tasks.update(request, _request_timeout=t))

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
                limit=OWNER_PAGE, after=after, archived=NOT_ARCHIVED, _request_timeout=t
            ),
            idempotent=True,
        )
        return Page(
            tuple(owner_from(item) for item in list_of(response, "results")), next_after(response)
        )

    def close(self) -> None:
        """Drop the pooled connections of every SDK client this object opened."""
        for api in self._apis():
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()

    def _apis(self) -> tuple[Any, ...]:
        return (
            self._contacts,
            self._tasks,
            self._task_search,
            self._associations,
            self._properties,
            self._owners,
        )

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
