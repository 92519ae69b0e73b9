"""``HubSpotCrm``: the HubSpot implementation of ``syncd.contracts.Crm``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from connectors.crm.hubspot import mapping, outcomes
from connectors.crm.hubspot.batching import chunks, distinct_rounds, send_groups
from connectors.crm.hubspot.changes import SEARCH_PAGE, task_change_pages
from connectors.crm.hubspot.client import HubSpotApi
from connectors.crm.hubspot.errors import HubSpotRejected
from connectors.crm.hubspot.preflight import check_portal
from connectors.crm.hubspot.records import Page, Record, TaskInput
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.contracts import BatchOutcome
from syncd.errors import SyncdError
from syncd.model import (
    CheckResult,
    Contact,
    ContactUpdate,
    Owner,
    TaskChangePage,
    TaskSpec,
    TaskUpdate,
)

CONTACT_PROPERTIES = ("email", "hubspot_owner_id")
Outcome = dict[str, "str | SyncdError"]


class HubSpotCrm:
    """Contacts, owners and tasks of one HubSpot portal, through ``hubspot-api-client``.

    Tasks carry a ``syncd-key: <marker>`` line at the end of their body; ``find_tasks`` reads it
    back through the (consistent) associations API to reconcile a create whose outcome is
    unknown. ``sleep`` and ``clock`` drive the rate limiters and are replaceable in tests.
    """

    Settings = HubSpotSettings
    batch_limit: int = 100

    def __init__(
        self,
        name: str,
        settings: HubSpotSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._base_url = settings.base_url
        self._fields = settings.fields
        self._settings = settings
        self._transport = Transport(settings, sleep=sleep, clock=clock)
        self._api = HubSpotApi(settings, self._transport)

    def __repr__(self) -> str:
        return f"HubSpotCrm(name={self.name!r}, base_url={self._base_url!r})"

    def find_contacts(self, emails: Sequence[str]) -> Mapping[str, Contact]:
        wanted = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
        found: dict[str, Contact] = {}
        for chunk in chunks(wanted, self.batch_limit):
            # Emails HubSpot does not know come back as 207 errors, which need no handling.
            result = self._api.read_contacts_by_email(chunk, CONTACT_PROPERTIES)
            for record in result.results:
                contact = _contact(record)
                if contact is not None:
                    found[contact.email] = contact
        return found

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        rounds = distinct_rounds(updates, lambda update: update.contact_id)
        groups = [chunk for one in rounds for chunk in chunks(one, self.batch_limit)]
        return send_groups(groups, self._send_contact_updates, lambda update: update.key)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        groups = list(chunks(tasks, self.batch_limit))
        return send_groups(groups, self._send_task_creates, lambda task: task.key)

    def find_tasks(self, contact_id: str, markers: Sequence[str]) -> Mapping[str, str]:
        wanted = set(markers)
        if not wanted:
            return {}
        try:
            task_ids = self._contact_task_ids(contact_id)
        except HubSpotRejected as error:
            if error.status == 404:
                return {}  # no such contact, so certainly no task of ours on it
            raise
        found: dict[str, str] = {}
        for chunk in chunks(task_ids, self.batch_limit):
            for record in self._api.read_tasks(chunk, ("hs_task_body",)).results:
                marker = mapping.marker_of(record.properties.get("hs_task_body"))
                if marker in wanted and marker not in found:
                    found[marker] = record.id
        return found

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        rounds = distinct_rounds(updates, lambda update: update.task_id)
        groups = [chunk for one in rounds for chunk in chunks(one, self.batch_limit)]
        return send_groups(groups, self._send_task_updates, lambda update: update.key)

    def task_changes(self, since: datetime) -> Iterator[TaskChangePage]:
        def search(since_ms: int, after: str | None) -> Page[Record]:
            return self._api.search_tasks_modified_since(
                since_ms, mapping.CHANGE_PROPERTIES, limit=SEARCH_PAGE, after=after
            )

        return task_change_pages(search, mapping.epoch_ms(since))

    def list_owners(self) -> Sequence[Owner]:
        owners: list[Owner] = []
        after: str | None = None
        while True:
            page = self._api.owners(after)
            owners.extend(page.items)
            if page.after is None:
                return owners
            after = page.after

    def check(self) -> Sequence[CheckResult]:
        """Token, read scopes and the ``[crm.fields]`` properties, checked against the portal."""
        return check_portal(self.name, self._settings, self._transport)

    def close(self) -> None:
        self._api.close()

    def _send_contact_updates(self, updates: Sequence[ContactUpdate]) -> Outcome:
        result = self._api.update_contacts(
            [(u.contact_id, mapping.contact_properties(u.fields, self._fields)) for u in updates]
        )
        return outcomes.match(
            updates,
            result,
            key=lambda update: update.key,
            ref=lambda update: update.contact_id,
            record_refs=lambda record: (record.id,),
            error_for=outcomes.contact_error,
        )

    def _send_task_creates(self, tasks: Sequence[TaskSpec]) -> Outcome:
        result = self._api.create_tasks(
            [
                TaskInput(mapping.task_create_properties(task), task.contact_id, task.marker)
                for task in tasks
            ]
        )
        # Results are matched by the marker in their body, never by position.
        return outcomes.match(
            tasks,
            result,
            key=lambda task: task.key,
            ref=lambda task: task.marker,
            record_refs=lambda r: (mapping.marker_of(r.properties.get("hs_task_body")), r.trace_id),
            error_for=outcomes.task_error,
        )

    def _send_task_updates(self, updates: Sequence[TaskUpdate]) -> Outcome:
        result = self._api.update_tasks(
            [(u.task_id, mapping.task_update_properties(u)) for u in updates]
        )
        return outcomes.match(
            updates,
            result,
            key=lambda update: update.key,
            ref=lambda update: update.task_id,
            record_refs=lambda record: (record.id,),
            error_for=outcomes.task_error,
        )

    def _contact_task_ids(self, contact_id: str) -> list[str]:
        ids: list[str] = []
        after: str | None = None
        while True:
            page = self._api.contact_task_ids(contact_id, after)
            ids.extend(page.items)
            if page.after is None:
                return list(dict.fromkeys(ids))
            after = page.after


def _contact(record: Record) -> Contact | None:
    email = (record.properties.get("email") or "").strip().lower()
    if not email:
        return None
    owner_id = record.properties.get("hubspot_owner_id") or None
    return Contact(id=record.id, email=email, owner_id=owner_id)
