"""``SalesforceCrm``: the Salesforce implementation of ``syncd.contracts.Crm``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

from connectors.crm.salesforce import soql
from connectors.crm.salesforce.contacts import Contacts
from connectors.crm.salesforce.history import History
from connectors.crm.salesforce.packing import Packer
from connectors.crm.salesforce.rest import Rest
from connectors.crm.salesforce.rollup import Rollup
from connectors.crm.salesforce.settings import SalesforceSettings
from connectors.crm.salesforce.setup import Provisioner
from connectors.crm.salesforce.tasks import TASKS_PER_COMPOSITE, Tasks
from connectors.crm.salesforce.transport import Transport
from syncd.contracts import BatchOutcome
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.errors import CrmError
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


class SalesforceCrm:
    """Contacts, users and tasks of one Salesforce org, through simple-salesforce.

    ``sleep`` and ``clock`` drive retries and the allowance pause; replaceable in tests.
    """

    Settings = SalesforceSettings
    batch_limit: int = TASKS_PER_COMPOSITE

    def __init__(
        self,
        name: str,
        settings: SalesforceSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        self.name = name
        self._settings = settings
        self._clock = clock
        self.writes_loop_closed = bool(settings.fields.loop_closed_at)
        self.transport = Transport(settings, sleep=sleep, clock=clock, limiters=limiters)
        rest = Rest(self.transport, allow_duplicates=settings.save_duplicates)
        self._rest = rest
        pack = Packer(
            rest, self.transport, settings.api_version, allow_duplicates=settings.save_duplicates
        )
        self._contacts = Contacts(rest, pack, settings.fields, settings.duplicate_emails)
        self._tasks = Tasks(rest, pack, settings.fields)
        self._setup = Provisioner(
            rest, settings.fields, settings.rollup_fields, rolls_up=settings.account_rollup
        )
        self._rollup = (
            Rollup(pack, settings.fields, settings.rollup_fields, settings.rollup_window_days)
            if settings.account_rollup
            else None
        )
        self._history = History(rest)
        self._ready = False
        self._owners: tuple[float, list[Owner]] | None = None

    def __repr__(self) -> str:
        return f"SalesforceCrm(name={self.name!r}, base_url={self._settings.base_url!r})"

    def find_contacts(self, field: ContactField, values: Sequence[str]) -> Mapping[str, Contact]:
        """Contacts by email or an external-id field, one query per ``IN`` list."""
        return self._contacts.find(field, values)

    def create_contacts(self, contacts: Sequence[NewContact]) -> BatchOutcome:
        """Contacts for new emails (LastName from the email), existing ones returned."""
        return self._contacts.create(contacts)

    def update_contacts(self, updates: Sequence[ContactUpdate]) -> BatchOutcome:
        """syncd's NPS fields only, 200 contacts a call; failures reported per record."""
        self._require_setup()
        outcome = self._contacts.update(updates)
        if self._rollup is not None:
            # A loop-closed time alone changes nothing the account roll-up shows.
            self._rollup.after_contacts(
                {
                    u.contact_id
                    for u in updates
                    if u.fields is not None and isinstance(outcome.get(u.key), str)
                }
            )
        return outcome

    def add_notes(self, notes: Sequence[ResponseNote]) -> BatchOutcome:
        """One ``NPS_Response__c`` record per answer, upserted by its key."""
        return self._history.add(notes)

    def company_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """Owners of the contacts' accounts: one query per ``IN`` list."""
        return self._contacts.account_owners(contact_ids)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> BatchOutcome:
        """One task per key; see ``tasks`` for how retries stay single."""
        if tasks:
            self._require_setup()
        outcome = self._tasks.create(tasks)
        if self._rollup is not None:
            self._rollup.after_contacts(
                {t.contact_id for t in tasks if isinstance(outcome.get(t.key), str)}
            )
        if any("INACTIVE_OWNER_OR_USER" in str(v) for v in outcome.values()):
            self._owners = None  # list users again: one was deactivated
        return outcome

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> BatchOutcome:
        """New subject, description and priority for tasks syncd created."""
        return self._tasks.update(updates)

    def task_changes(
        self, since: datetime, *, closed: Sequence[str] | None = None
    ) -> Iterator[TaskChangePage]:
        """Tasks syncd created, modified since ``since``, by ``SystemModstamp``.

        Every change is read, so ``closed`` needs no special case.
        """
        if self._rollup is None:
            return self._tasks.changes(since)
        return self._rolled_up(since, self._rollup)

    def _rolled_up(self, since: datetime, rollup: Rollup) -> Iterator[TaskChangePage]:
        for page, accounts in self._tasks.changes_by_account(since):
            rollup.after_tasks(accounts)
            yield page

    def list_owners(self) -> Sequence[Owner]:
        """Active standard users with their public groups, listed again after the TTL."""
        now = self._clock()
        if self._owners is None or now - self._owners[0] > self._settings.owners_ttl_seconds:
            self._owners = (now, self._list_owners())
        return self._owners[1]

    def _list_owners(self) -> list[Owner]:
        teams: dict[str, set[str]] = {}
        groups = "SELECT UserOrGroupId, Group.Name FROM GroupMember WHERE Group.Type = 'Regular'"
        for row in self._rest.rows(groups):
            group = row.get("Group")
            if isinstance(group, dict) and group.get("Name"):
                teams.setdefault(str(row.get("UserOrGroupId")), set()).add(str(group["Name"]))
        users = (
            "SELECT Id, Email, Name, IsActive FROM User WHERE IsActive = true "
            f"AND UserType = {soql.quote('Standard')}"
        )
        return [
            Owner(
                id=str(row["Id"]),
                email=str(row.get("Email") or "").strip().lower(),
                name=str(row.get("Name") or ""),
                teams=frozenset(teams.get(str(row["Id"]), ())),
            )
            for row in self._rest.rows(users)
        ]

    def check(self) -> Sequence[CheckResult]:
        """Sign-in, and the custom fields and key object syncd writes."""
        return self._setup.check(self.name)

    def setup(self, *, dry_run: bool = False) -> Sequence[SetupStep]:
        """Create the key object and the fields (Tooling API), or say how to by hand."""
        try:
            steps = self._setup.run(dry_run=dry_run)
        except CrmError as error:
            return [SetupStep("sign-in and describe", SetupState.FAILED, str(error))]
        self._ready = False
        return steps

    def close(self) -> None:
        """Release the HTTP connections."""
        self.transport.close()

    def _require_setup(self) -> None:
        if not self._ready:
            self._setup.require()
            self._ready = True
