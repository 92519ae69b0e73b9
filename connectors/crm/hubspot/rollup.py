"""Company roll-up (``[crm] company_rollup``): NPS figures kept on each contact's primary company.

For every company whose contacts or syncd tasks changed: the latest score, NPS over the last
``rollup_window_days`` and the open follow-up tasks syncd created for its detractors
(``rollup_figures``), computed from CRM data (``rollup_calls``) and written with one companies
batch update per 100 companies. A contact's company is its read-only ``associatedcompanyid``,
taken from the contact lookup that precedes every update when it can be (no extra call).

CRM search lags writes ("it may take a few moments", HubSpot's search guide), so the answers
syncd itself wrote during the last ``FRESH_SECONDS`` are laid over what search returns: the
answer that triggered a refresh is always counted. The roll-up never fails the write that
triggered it: an error is logged and the next change of the company repairs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta

import structlog

from connectors.crm.hubspot.companies import PRIMARY_COMPANY
from connectors.crm.hubspot.records import Record
from connectors.crm.hubspot.rollup_calls import RollupCalls
from connectors.crm.hubspot.rollup_figures import DETRACTOR, Answered, company_figures
from connectors.crm.hubspot.rollup_memo import Recent
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.contracts import BatchOutcome
from syncd.errors import CrmError
from syncd.model import ContactUpdate, TaskChangePage, TaskSpec, TaskState

log = structlog.get_logger(__name__)

#: How long syncd trusts its own writes over search (HubSpot names no bound; a minute is ample).
FRESH_SECONDS = 120.0
#: How long a task's last seen state is remembered (longer than any tracking overlap window).
TASK_MEMORY_SECONDS = 24 * 3600.0
#: Entries each memory keeps at most, whatever the traffic.
MEMORY_CAP = 50_000
_NO_COMPANY = ""


class CompanyRollup:
    """Recomputes the roll-up properties of the companies it is given.

    ``now`` is the time of day the window ends at (the daemon's clock, simulated in the demo);
    ``clock`` is monotonic and ages the memories.
    """

    def __init__(
        self,
        settings: HubSpotSettings,
        transport: Transport,
        *,
        now: Callable[[], datetime],
        clock: Callable[[], float],
    ) -> None:
        self._calls = RollupCalls(settings, transport)
        self._fields = settings.fields
        self._names = settings.rollup_fields
        self._window = timedelta(days=settings.rollup_window_days)
        self._now = now
        self._company_of: Recent[str, str] = Recent(FRESH_SECONDS, MEMORY_CAP, clock)
        self._written: Recent[str, Answered] = Recent(FRESH_SECONDS, MEMORY_CAP, clock)
        #: Task id -> open, as last seen: tracking's re-reads of unchanged tasks cost nothing.
        self._task_open: Recent[str, bool] = Recent(TASK_MEMORY_SECONDS, MEMORY_CAP, clock)

    #: Contact properties to add to a contact lookup, so the update after it costs no read.
    lookup_properties: tuple[str, ...] = (PRIMARY_COMPANY,)

    def saw_contacts(self, records: Iterable[Record]) -> None:
        """Remember the primary company of contacts just read with ``lookup_properties``."""
        for record in records:
            self._company_of.put(record.id, record.properties.get(PRIMARY_COMPANY) or _NO_COMPANY)

    def after_contacts(self, updates: Sequence[ContactUpdate], outcome: BatchOutcome) -> None:
        """Refresh the companies of contacts whose answer was written, never raising."""
        written = [u for u in updates if isinstance(outcome.get(u.key), str)]
        if written:
            self._guarded(lambda: self._after_contacts(written))

    def after_tasks(self, tasks: Sequence[TaskSpec], outcome: BatchOutcome) -> None:
        """Refresh the companies of contacts that got a syncd task, never raising."""
        created = [(t.contact_id, outcome.get(t.key)) for t in tasks]
        contacts = {contact for contact, task_id in created if isinstance(task_id, str)}
        for _, task_id in created:
            if isinstance(task_id, str):
                self._task_open.put(task_id, True)
        if contacts:
            self._guarded(lambda: self.refresh(self._companies(contacts).values()))

    def after_task_changes(self, page: TaskChangePage) -> None:
        """Refresh the companies of the contacts of tasks that opened or closed, never raising.

        Tracking reads the same tasks again in its overlap window: a task seen lately in the
        same state (open or completed) changes no count, so it costs no call."""
        task_ids = []
        for change in page.changes:
            is_open = change.state is not TaskState.COMPLETED
            if self._task_open.get(change.task_id) is not is_open:
                task_ids.append(change.task_id)
            self._task_open.put(change.task_id, is_open)
        if task_ids:
            self._guarded(
                lambda: self.refresh(self._companies(self._calls.task_contacts(task_ids)).values())
            )

    def rolled_up(self, pages: Iterator[TaskChangePage]) -> Iterator[TaskChangePage]:
        """``pages`` as they come, each first refreshing the companies its tasks touch."""
        for page in pages:
            self.after_task_changes(page)
            yield page

    def refresh(self, company_ids: Iterable[str]) -> None:
        """Recompute and write the roll-up of each company (blank ids are ignored)."""
        ids = sorted({c for c in company_ids if c})
        if not ids:
            return
        f = self._fields
        contacts = {
            r.id: Answered.of(
                r.id,
                r.properties.get(PRIMARY_COMPANY) or _NO_COMPANY,
                r.properties.get(f.score),
                r.properties.get(f.category),
                r.properties.get(f.responded_at),
            )
            for r in self._calls.answered_contacts(ids)
        }
        # What syncd wrote a moment ago may not be searchable yet: it wins over search.
        wanted = set(ids)
        for fresh in self._written.values():
            if fresh.company_id in wanted or fresh.contact_id in contacts:
                contacts[fresh.contact_id] = fresh
        detractors = [c.contact_id for c in contacts.values() if c.category == DETRACTOR]
        open_tasks = self._calls.open_tasks(detractors) if detractors else {}
        figures = company_figures(
            ids,
            list(contacts.values()),
            open_tasks,
            self._names,
            now=self._now(),
            window=self._window,
        )
        for refusal in self._calls.update_companies(figures):
            log.warning("crm.rollup.rejected", error=refusal)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._calls.close()

    def _after_contacts(self, written: Sequence[ContactUpdate]) -> None:
        # A loop-closed mark carries no NPS fields: the task change behind it already refreshed.
        answers = [(u.contact_id, u.fields) for u in written if u.fields is not None]
        if not answers:
            return
        companies = self._companies(contact_id for contact_id, _ in answers)
        for contact_id, fields in answers:
            company = companies.get(contact_id, _NO_COMPANY)
            answer = Answered(
                contact_id,
                company,
                fields.score,
                fields.category.value,
                fields.responded_at,
            )
            self._written.put(contact_id, answer)
        self.refresh(companies.values())

    def _companies(self, contact_ids: Iterable[str]) -> dict[str, str]:
        """Per contact id, its primary company ("" for none): remembered, else read."""
        ids = sorted(set(contact_ids))
        unknown = [c for c in ids if c not in self._company_of]
        for contact_id, company in self._calls.primary_companies(unknown).items():
            self._company_of.put(contact_id, company or _NO_COMPANY)
        return {c: self._company_of.get(c) or _NO_COMPANY for c in ids}

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except CrmError as error:
            log.warning("crm.rollup.failed", error=str(error), detail="retried on the next change")
        except Exception as error:  # a bug in the roll-up must not fail the write either
            log.exception("crm.rollup.failed", error=repr(error), detail="a bug; please report")


class NoRollup:
    """``company_rollup`` off: the connector's hooks do nothing and cost no call."""

    lookup_properties: tuple[str, ...] = ()

    def saw_contacts(self, records: Iterable[Record]) -> None:
        """Nothing to remember."""

    def after_contacts(self, updates: Sequence[ContactUpdate], outcome: BatchOutcome) -> None:
        """Nothing to refresh."""

    def after_tasks(self, tasks: Sequence[TaskSpec], outcome: BatchOutcome) -> None:
        """Nothing to refresh."""

    def rolled_up(self, pages: Iterator[TaskChangePage]) -> Iterator[TaskChangePage]:
        """The pages themselves."""
        return pages

    def close(self) -> None:
        """Nothing to release."""


def company_rollup(
    settings: HubSpotSettings,
    transport: Transport,
    *,
    now: Callable[[], datetime],
    clock: Callable[[], float],
) -> CompanyRollup | NoRollup:
    """The roll-up when ``[crm] company_rollup`` is on, else a ``NoRollup``."""
    if not settings.company_rollup:
        return NoRollup()
    return CompanyRollup(settings, transport, now=now, clock=clock)
