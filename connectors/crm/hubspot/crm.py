"""``HubSpotCrm``: the HubSpot implementation of ``syncd.contracts.Crm``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

from connectors.crm.hubspot import mapping, outcomes
from connectors.crm.hubspot.batching import distinct_rounds, send_groups
from connectors.crm.hubspot.changes import SEARCH_PAGE, task_change_pages
from connectors.crm.hubspot.client import HubSpotApi
from connectors.crm.hubspot.companies import CompanyOwners
from connectors.crm.hubspot.contact_create import ContactCreator
from connectors.crm.hubspot.errors import HubSpotRejected
from connectors.crm.hubspot.notes import NoteWriter
from connectors.crm.hubspot.owners import OwnerCache, every_owner
from connectors.crm.hubspot.preflight import check_portal
from connectors.crm.hubspot.provision import set_up_portal, task_key_step
from connectors.crm.hubspot.records import BatchResult, Page, Record, contact_from
from connectors.crm.hubspot.rollup import company_rollup
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.setup import missing_property
from connectors.crm.hubspot.task_create import TaskCreator
from connectors.crm.hubspot.transport import Transport
from syncd.chunks import chunks
from syncd.contracts import BatchOutcome
from syncd.edge.limiter import LimiterFactory
from syncd.errors import CrmError, SyncdError
from syncd.model import (
    CheckResult,
    Contact,
    ContactField,
    ContactUpdate,
    NewContact,
    Owner,
    ResponseNote,
    SetupState,
    SetupStep,
    TaskChangePage,
    TaskSpec,
    TaskUpdate,
)

CONTACT_PROPERTIES = ("email", "hubspot_owner_id")
Outcome = dict[str, "str | SyncdError"]


class HubSpotCrm:
    """Contacts, owners and tasks of one HubSpot portal, through ``hubspot-api-client``.

    ``create_tasks`` keeps the port's idempotency promise with a unique task property
    (``crm.fields.task_key``) that holds the action's key: a create HubSpot refuses for a taken
    key, or whose outcome is unknown, is settled by batch upsert on that key and default
    task-to-contact associations, which are idempotent. ``sleep`` and ``clock``
    drive the rate limiters and are replaceable in tests.
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
        limiters: LimiterFactory | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self._base_url = settings.base_url
        self._fields = settings.fields
        self.writes_loop_closed = bool(settings.fields.loop_closed_at)
        self._task_key_checked = False
        self._settings = settings
        self._transport = Transport(settings, sleep=sleep, clock=clock, limiters=limiters)
        #: Each answer the portal gives, for the daemon's request and allowance metrics.
        self.traffic = self._transport.traffic
        self._api = HubSpotApi(settings, self._transport)
        self._companies = CompanyOwners(settings, self._transport, self.batch_limit)
        self._creator = ContactCreator(settings, self._transport, self.batch_limit)
        self._notes = NoteWriter(settings, self._transport, self.batch_limit)
        self._task_creator = TaskCreator(self._api, settings.fields.task_key)
        self._owners = OwnerCache(
            lambda: every_owner(self._api.owners), settings.owners_ttl_seconds, clock
        )
        #: ``[crm] company_rollup``; ``now`` (syncd's clock, from compose) ends its window.
        self._rollup = company_rollup(settings, self._transport, now=now, clock=clock)

    def __repr__(self) -> str:
        return f"HubSpotCrm(name={self.name!r}, base_url={self._base_url!r})"

    def find_contacts(self, field: ContactField, values: Sequence[str]) -> Mapping[str, Contact]:
        """Contacts by email or a unique property, one batch read per ``batch_limit`` values."""
        id_property = field.property or "email"
        wanted = list(dict.fromkeys(k for v in values if (k := mapping.lookup_key(field, v))))
        extra = (id_property, *self._rollup.lookup_properties)
        properties = tuple(dict.fromkeys((*CONTACT_PROPERTIES, *extra)))
        found: dict[str, Contact] = {}
        for chunk in chunks(wanted, self.batch_limit):
            # Values HubSpot does not know come back as 207 errors, which need no handling.
            result = self._read_contacts(field, id_property, chunk, properties)
            self._rollup.saw_contacts(result.results)
            asked = set(chunk)
            for record in result.results:
                key = mapping.lookup_key(field, record.properties.get(id_property))
                if key in asked:
                    found[key] = contact_from(record)
        return found

    def _read_contacts(
        self,
        field: ContactField,
        id_property: str,
        values: Sequence[str],
        properties: tuple[str, ...],
    ) -> BatchResult:
        try:
            return self._api.read_contacts(id_property, values, properties)
        except HubSpotRejected as error:
            if field.property is None or error.status != 400:
                raise
            raise HubSpotRejected(
                f"cannot look contacts up by {field} ({error}); create that contact property "
                f"with unique values, or fix [crm] match_contacts_by",
                error.status,
            ) from error

    def create_contacts(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        """Contacts by email, created when new: one batch upsert per 100 emails."""
        return self._creator.create(contacts)

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        """Write the NPS fields and loop-closed time, never one contact twice in a batch
        (HubSpot refuses that)."""
        rounds = distinct_rounds(updates, lambda update: update.contact_id)
        groups = [chunk for one in rounds for chunk in chunks(one, self.batch_limit)]
        outcome = send_groups(groups, self._send_contact_updates, lambda update: update.key)
        self._rollup.after_contacts(updates, outcome)
        return outcome

    def add_notes(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        """Upsert each answer's note by its key, then link it to its contact."""
        return self._notes.add(notes)

    def company_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """Owners of the contacts' primary companies: two batch reads per 100 contacts."""
        return self._companies.owners_of(contact_ids)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        """Create each task on its contact, idempotently on its key (``TaskCreator``).

        Calls: one create per 100 new tasks; tasks an earlier attempt may have made cost one
        upsert and one associate per 100 more.
        """
        if tasks:
            self._check_task_key()
        groups = list(chunks(tasks, self.batch_limit))
        outcome = send_groups(groups, self._task_creator.send, lambda task: task.key)
        self._owners.check_outcome(outcome)
        self._rollup.after_tasks(tasks, outcome)
        return outcome

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        """Rewrite subject, body, priority or owner, never the same task twice in one batch."""
        rounds = distinct_rounds(updates, lambda update: update.task_id)
        groups = [chunk for one in rounds for chunk in chunks(one, self.batch_limit)]
        return send_groups(groups, self._send_task_updates, lambda update: update.key)

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        """Pages of tasks modified since ``since``, through the search API's own rate budget."""

        def search(since_ms: int, after: str | None) -> Page[Record]:
            return self._api.search_tasks_modified_since(
                since_ms,
                mapping.change_properties(outcome),
                limit=SEARCH_PAGE,
                after=after,
                closed=closed,
            )

        outcome = self._fields.task_outcome
        pages = task_change_pages(search, mapping.epoch_ms(since), outcome_property=outcome)
        return self._rollup.rolled_up(pages)

    def list_owners(self) -> Sequence[Owner]:
        """Every active owner, listed again once ``owners_ttl_seconds`` have passed."""
        return self._owners.get()

    def check(self) -> Sequence[CheckResult]:
        """Token, read scopes, the ``[crm.fields]`` properties and the task key property."""
        return [*check_portal(self.name, self._settings, self._transport), self._task_key_result()]

    def setup(self, *, dry_run: bool = False) -> Sequence[SetupStep]:
        """Create the ``nps`` contact property group, the contact properties and the task key."""
        steps = set_up_portal(self._settings, self._transport, dry_run=dry_run)
        # The task key property was just read and has unique values (the start-up check finds
        # it so): the first task create need not read it again.
        key = task_key_step(self._fields.task_key)
        if any(step.what == key and step.state is SetupState.EXISTS for step in steps):
            self._task_key_checked = True
        return steps

    def _task_key_result(self) -> CheckResult:
        what = f"crm {self.name} task property {self._fields.task_key!r} ([crm.fields] task_key)"
        try:
            self._check_task_key()
        except CrmError as error:
            return CheckResult(what, False, str(error))
        return CheckResult(what, True, "exists with unique values: task creates are upserts")

    def close(self) -> None:
        """Release the HTTP connections."""
        self._api.close()
        self._companies.close()
        self._creator.close()
        self._notes.close()
        self._rollup.close()

    def _send_contact_updates(self, updates: Sequence[ContactUpdate]) -> Outcome:
        result = self._api.update_contacts(
            [(u.contact_id, mapping.contact_update_properties(u, self._fields)) for u in updates]
        )
        return outcomes.match(
            updates,
            result,
            key=lambda update: update.key,
            ref=lambda update: update.contact_id,
            record_refs=lambda record: (record.id,),
            error_for=outcomes.contact_error,
        )

    def _check_task_key(self) -> None:
        """Block delivery with one clear error while the key property is missing or not unique."""
        if self._task_key_checked:
            return
        name = self._fields.task_key
        try:
            unique = self._api.task_property_is_unique(name)
        except HubSpotRejected as error:
            if error.status == 404:
                raise missing_property(name, "does not exist") from error
            raise
        if not unique:
            raise missing_property(name, "exists but does not require unique values")
        self._task_key_checked = True

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
