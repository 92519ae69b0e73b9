"""A small typed layer over the untyped ``hubspot-api-client``; SDK models stop here.

The calls a pass makes most (batch read, update, create, upsert, associate, search) send plain
JSON bodies and read HubSpot's JSON themselves (``wire``): the SDK's models cost more CPU than
the rest of a pass. The SDK's discovery properties (``client.crm.contacts.batch_api``) build a
new ApiClient and urllib3 pool on every access, so each API object is built once here and its
pool closed in ``close``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from connectors.crm.hubspot import wire
from connectors.crm.hubspot.records import (
    NOT_ARCHIVED,
    BatchResult,
    Page,
    Record,
    TaskInput,
    association_result,
    list_of,
    next_after,
    owner_from,
)
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Operation, Transport
from syncd.model import Owner

OWNER_PAGE = 100
MODIFIED = "hs_lastmodifieddate"
#: Task statuses only a person (or a workflow) sets: syncd creates tasks in the default one.
TOUCHED = ("COMPLETED", "IN_PROGRESS", "WAITING", "DEFERRED")
#: The default task-to-contact association type.
TASK_TO_CONTACT = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}


class HubSpotApi:
    """The HubSpot calls syncd makes, each through the ``Transport``."""

    def __init__(self, settings: HubSpotSettings, transport: Transport) -> None:
        client = sdk_client(settings)
        crm = client.crm
        self._crm = crm
        self._contacts = crm.contacts.batch_api
        self._tasks = crm.objects.tasks.batch_api
        self._task_search = crm.objects.tasks.search_api
        self._properties = crm.properties.core_api
        self._owners = crm.owners.owners_api
        self._transport = transport
        self._task_key = settings.fields.task_key
        self._touched_only = settings.track_touched_only
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
        body = {
            "idProperty": id_property,
            "inputs": [{"id": value} for value in values],
            "properties": list(properties),
            "propertiesWithHistory": [],
        }
        return self._batch(lambda t: self._contacts.read(body, _request_timeout=t, **wire.RAW))

    def update_contacts(self, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        """Write properties onto contacts by record id; per-item errors come back in the result."""
        body = _updates(inputs)
        return self._batch(lambda t: self._contacts.update(body, _request_timeout=t, **wire.RAW))

    def upsert_tasks(self, key_property: str, inputs: Sequence[TaskInput]) -> BatchResult:
        """Create each task whose key is new, update the others (``results[].new`` tells).

        Keyed by a unique property, so repeating the call after an unknown outcome is safe
        and is retried inline like any idempotent call.
        """
        body = {
            "inputs": [
                {
                    "idProperty": key_property,
                    "id": item.key,
                    "properties": dict(item.properties),
                    "objectWriteTraceId": item.key,
                }
                for item in inputs
            ]
        }
        return self._batch(lambda t: self._tasks.upsert(body, _request_timeout=t, **wire.RAW))

    def create_tasks_on_contacts(self, inputs: Sequence[tuple[TaskInput, str]]) -> BatchResult:
        """Create tasks, each associated with its contact (id) in the same call.

        Batch create takes the task-to-contact association inline (type 204, HUBSPOT_DEFINED:
        developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/guide), so one
        call does what upsert plus associate do in two. Not idempotent by itself: the unique
        key property makes HubSpot refuse a second task with the same key (a 207 error item).
        """
        body = {
            "inputs": [
                {
                    "properties": dict(item.properties),
                    "objectWriteTraceId": item.key,
                    "associations": [{"to": {"id": contact_id}, "types": [TASK_TO_CONTACT]}],
                }
                for item, contact_id in inputs
            ]
        }
        result: BatchResult = self._transport.call(
            lambda t: wire.batch_result(
                wire.json_body(self._tasks.create(body, _request_timeout=t, **wire.RAW))
            ),
            idempotent=False,
        )
        return result

    def associate_tasks_with_contacts(self, pairs: Sequence[tuple[str, str]]) -> BatchResult:
        """Default task-to-contact associations for (task id, contact id) pairs.

        An association exists or not, so making it again changes nothing: safe to repeat.
        (https://developers.hubspot.com/docs/api-reference/latest/crm/associations/associate-records/batch/create-associations)
        """
        body = {
            "inputs": [
                {"from": {"id": task_id}, "to": {"id": contact_id}} for task_id, contact_id in pairs
            ]
        }
        # hubspot-api-client 12 maps only a 200 here and returns None for a 207 (some inputs
        # failed), so the body is read raw to keep the per-input errors.
        raw = self._transport.call(
            lambda t: self._associations.create_default(
                "tasks", "contacts", body, _request_timeout=t, **wire.RAW
            ),
            idempotent=True,
        )
        try:
            return association_result(raw.data)
        finally:
            raw.release_conn()

    @cached_property
    def _associations(self) -> Any:
        """Built on the first association: tasks are created with theirs inline, so most runs
        make none, and the SDK's associations packages (about 10 ms to import) stay unloaded."""
        api = self._crm.associations.v4.batch_api
        self._transport.watch(api)
        return api

    def task_property_is_unique(self, name: str) -> bool:
        """Whether the task property ``name`` requires unique values (a 404 if it is missing)."""
        prop = self._transport.call(
            lambda t: self._properties.get_by_name("tasks", name, _request_timeout=t),
            idempotent=True,
        )
        return bool(getattr(prop, "has_unique_value", False))

    def update_tasks(self, inputs: Sequence[tuple[str, Mapping[str, str]]]) -> BatchResult:
        """Write properties onto tasks by record id; per-item errors come back in the result."""
        body = _updates(inputs)
        return self._batch(lambda t: self._tasks.update(body, _request_timeout=t, **wire.RAW))

    def search_tasks_modified_since(
        self,
        since_ms: int,
        properties: Sequence[str],
        limit: int,
        after: str | None,
        closed: Sequence[str] | None = None,
    ) -> Page[Record]:
        """syncd's tasks changed since ``since_ms`` (``_modified_since``), oldest first."""
        narrow = closed if self._touched_only else None
        body = _modified_since(since_ms, properties, limit, after, self._task_key, narrow)
        page: Page[Record] = self._transport.call(
            lambda t: wire.record_page(
                wire.json_body(self._task_search.do_search(body, _request_timeout=t, **wire.RAW))
            ),
            idempotent=True,
            search=True,
        )
        return page

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
        """The API objects built so far (associations only once used)."""
        built = self.__dict__.get("_associations")
        return (
            self._contacts,
            self._tasks,
            self._task_search,
            self._properties,
            self._owners,
            *(() if built is None else (built,)),
        )

    def _batch(self, operation: Operation) -> BatchResult:
        """A batch call answered raw and parsed inside the attempt (a bad body is retried)."""
        return wire.call_batch(self._transport, operation)


def _updates(inputs: Sequence[tuple[str, Mapping[str, str]]]) -> dict[str, Any]:
    return {"inputs": [{"id": i, "properties": dict(props)} for i, props in inputs]}


def _modified_since(
    since_ms: int,
    properties: Sequence[str],
    limit: int,
    after: str | None,
    key_property: str,
    closed: Sequence[str] | None,
) -> dict[str, Any]:
    """syncd's tasks (those holding the key property) changed since ``since_ms``.

    With ``closed`` (``track_touched_only``) the read narrows to the changes people make, in
    groups ORed: tasks moved off the default status (done, in progress, waiting, deferred),
    tasks created before ``since_ms`` that changed after it (reassigned, reopened, edited), and
    the ``closed`` tasks by id (a task reopened while younger than the window). A task syncd
    created and nobody touched matches none, so the overlap window no longer re-reads every
    task created in it; a task reassigned without a status change while younger than the
    window is then seen at its next status change. (HubSpot search: at most 5 groups and 25
    filters; developers.hubspot.com/changelog/breaking-change-expanded-filtering-capabilities-
    and-error-messaging-in-hubspots-search-api.)
    """
    modified = {"propertyName": MODIFIED, "operator": "GTE", "value": str(since_ms)}
    ours = {"propertyName": key_property, "operator": "HAS_PROPERTY"}
    touched = {"propertyName": "hs_task_status", "operator": "IN", "values": list(TOUCHED)}
    older = {"propertyName": "hs_createdate", "operator": "LT", "value": str(since_ms)}
    named = {"propertyName": "hs_object_id", "operator": "IN", "values": list(closed or ())}
    groups: list[dict[str, Any]] = [{"filters": [modified, ours]}]
    if closed is not None:
        groups = [{"filters": [modified, ours, touched]}, {"filters": [modified, ours, older]}]
        if closed:
            groups.append({"filters": [modified, ours, named]})
    body: dict[str, Any] = {
        "filterGroups": groups,
        "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
    }
    if after is not None:
        body["after"] = after
    return body
