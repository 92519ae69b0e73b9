"""The HubSpot reads and writes of the company roll-up, each batched and through the ``Transport``.

Contacts of companies come from CRM search on the contact property ``associatedcompanyid`` (``IN``
up to 100 company ids), under the search limiter (5 requests/s per account). Search pages stop
at 10,000 results per query, so pages are keyed on ``hs_object_id`` (ascending, ``GT`` the last
id seen) instead of ``after``: every page is a fresh query and no company is too large.

Open tasks of detractors do not come from search. Search can filter by association only with
the ``associations.contact`` pseudo-property, which HubSpot documents with ``EQ`` and one
contact id ("Search through associations",
developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm): at most five contacts per
call (five filter groups), so the calls would grow with the detractors, all on the tight search
budget. The v4 associations batch read (``POST /crm/v4/associations/contacts/tasks/batch/read``,
up to 1,000 contacts a call) gives each detractor's task ids, and the tasks batch read (100 a
call) their status and key: both consistent reads on the general budget, bounded per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.crm.hubspot import wire
from connectors.crm.hubspot.companies import PRIMARY_COMPANY
from connectors.crm.hubspot.records import BatchResult, Page, Record
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.chunks import chunks

BATCH = 100
#: Values in one search ``IN`` filter; 100 ids keep the body well under search's 3,000 characters.
IN_VALUES = 100
SEARCH_PAGE = 200
#: Inputs of one v4 associations batch read.
ASSOCIATION_READ = 1000
OBJECT_ID = "hs_object_id"
COMPLETED = "COMPLETED"


class RollupCalls:
    """What the roll-up asks of one portal."""

    def __init__(self, settings: HubSpotSettings, transport: Transport) -> None:
        crm = sdk_client(settings).crm
        self._contacts = crm.contacts.batch_api
        self._search = crm.contacts.search_api
        self._tasks = crm.objects.tasks.batch_api
        self._companies = crm.companies.batch_api
        self._associations = crm.associations.v4.batch_api
        self._transport = transport
        self._fields = settings.fields
        for api in self._apis():
            transport.watch(api)

    def primary_companies(self, contact_ids: Sequence[str]) -> dict[str, str | None]:
        """Per contact id, its primary company id (None: it has none); one read per 100."""
        found: dict[str, str | None] = {}
        for chunk in chunks(sorted(set(contact_ids)), BATCH):
            for record in self._read(self._contacts, _read_body(chunk, [PRIMARY_COMPANY])):
                found[record.id] = record.properties.get(PRIMARY_COMPANY) or None
        return found

    def answered_contacts(self, company_ids: Sequence[str]) -> Iterator[Record]:
        """Contacts of these companies holding an answer, with the properties the roll-up reads."""
        f = self._fields
        properties = [PRIMARY_COMPANY, f.score, f.category, f.responded_at]
        for run in chunks(sorted(set(company_ids)), IN_VALUES):
            last = "0"
            while True:
                page = self._search_page(_contact_search(run, f.responded_at, properties, last))
                yield from page.items
                if len(page.items) < SEARCH_PAGE:
                    break
                last = page.items[-1].id

    def open_tasks(self, contact_ids: Sequence[str]) -> dict[str, set[str]]:
        """Per contact id, its open tasks syncd created (those holding the task key)."""
        linked = self._associated("contacts", "tasks", contact_ids)
        task_ids = sorted({t for ts in linked.values() for t in ts}, key=int)
        key = self._fields.task_key
        open_ids: set[str] = set()
        for chunk in chunks(task_ids, BATCH):
            for record in self._read(self._tasks, _read_body(chunk, ["hs_task_status", key])):
                props = record.properties
                if props.get(key) and props.get("hs_task_status") != COMPLETED:
                    open_ids.add(record.id)
        return {c: {t for t in ts if t in open_ids} for c, ts in linked.items()}

    def task_contacts(self, task_ids: Sequence[str]) -> set[str]:
        """The contacts these tasks are associated with."""
        linked = self._associated("tasks", "contacts", task_ids)
        return {contact for contacts in linked.values() for contact in contacts}

    def update_companies(self, figures: Mapping[str, Mapping[str, str]]) -> list[str]:
        """Write the figures, one batch update per 100 companies; the messages of refusals."""
        refused: list[str] = []
        for chunk in chunks(sorted(figures), BATCH):
            body = {"inputs": [{"id": c, "properties": dict(figures[c])} for c in chunk]}
            result = self._update(body)
            refused += [f"{e.category}: {e.message} {list(e.refs)}" for e in result.errors]
        return refused

    def close(self) -> None:
        """Drop the pooled connections of the SDK clients."""
        for api in self._apis():
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()

    def _associated(self, source: str, target: str, ids: Sequence[str]) -> dict[str, list[str]]:
        """Per id, the ids of its ``target`` records (v4 batch read, following each id's pages).

        Ids with no associations come back as 207 error items or not at all: both mean none.
        """
        linked: dict[str, list[str]] = {}
        pending: list[tuple[str, str | None]] = [(i, None) for i in sorted(set(ids), key=int)]
        while pending:
            run, pending = pending[:ASSOCIATION_READ], pending[ASSOCIATION_READ:]
            body = {"inputs": [{"id": i, **({"after": a} if a else {})} for i, a in run]}
            answer = self._association_page(source, target, body)
            for origin, targets, after in association_results(answer):
                linked.setdefault(origin, []).extend(targets)
                if after:
                    pending.append((origin, after))
        return linked

    def _read(self, api: Any, body: Mapping[str, Any]) -> Sequence[Record]:
        """A batch read (ids HubSpot does not have come back as 207 errors: none of ours)."""
        return wire.call_batch(
            self._transport, lambda t: api.read(body, _request_timeout=t, **wire.RAW)
        ).results

    def _update(self, body: Mapping[str, Any]) -> BatchResult:
        return wire.call_batch(
            self._transport,
            lambda t: self._companies.update(body, _request_timeout=t, **wire.RAW),
        )

    def _search_page(self, body: Mapping[str, Any]) -> Page[Record]:
        page: Page[Record] = self._transport.call(
            lambda t: wire.record_page(
                wire.json_body(self._search.do_search(body, _request_timeout=t, **wire.RAW))
            ),
            idempotent=True,
            search=True,
        )
        return page

    def _association_page(self, source: str, target: str, body: Mapping[str, Any]) -> Any:
        return self._transport.call(
            lambda t: wire.json_body(
                self._associations.get_page(source, target, body, _request_timeout=t, **wire.RAW)
            ),
            idempotent=True,
        )

    def _apis(self) -> tuple[Any, ...]:
        return (self._contacts, self._search, self._tasks, self._companies, self._associations)


def _read_body(ids: Sequence[str], properties: Sequence[str]) -> dict[str, Any]:
    return {
        "inputs": [{"id": i} for i in ids],
        "properties": list(properties),
        "propertiesWithHistory": [],
    }


def _contact_search(
    companies: Sequence[str], responded_at: str, properties: Sequence[str], after_id: str
) -> dict[str, Any]:
    filters = [
        {"propertyName": PRIMARY_COMPANY, "operator": "IN", "values": list(companies)},
        {"propertyName": responded_at, "operator": "HAS_PROPERTY"},
        {"propertyName": OBJECT_ID, "operator": "GT", "value": after_id},
    ]
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": OBJECT_ID, "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": SEARCH_PAGE,
    }


def association_results(body: wire.JsonObject) -> Iterator[tuple[str, list[str], str | None]]:
    """(from id, to ids, next page cursor) per result of a v4 associations batch read."""
    results = body.get("results") or []
    if not isinstance(results, list):
        raise ValueError(f"HubSpot answered with results of type {type(results)}")
    for item in results:
        origin = item.get("from", {}).get("id") if isinstance(item, dict) else None
        if origin is None:
            raise ValueError("HubSpot association result without from.id")
        targets = [str(t["toObjectId"]) for t in item.get("to") or [] if "toObjectId" in t]
        yield str(origin), targets, wire.next_after(item)
