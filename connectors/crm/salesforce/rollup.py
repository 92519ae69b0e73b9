"""Account roll-up (``account_rollup``): NPS figures kept on each contact's Account.

For every Account whose contacts or syncd tasks changed: the latest score (the contact answer
given last), NPS over the last ``rollup_window_days`` (promoters minus detractors, in percent of
the contacts who answered within the window, each contact counted by their latest answer), and
the open follow-up tasks syncd created for detractors. Computed from two queries packed into one
Composite call, written with one collection update per 200 accounts. The roll-up never fails the
write that triggered it: an error is logged and the next change of the account repairs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from connectors.crm.salesforce import soql
from connectors.crm.salesforce.fields import RollupFieldNames, SalesforceFieldNames
from connectors.crm.salesforce.packing import Packer
from connectors.crm.salesforce.rest import COLLECTION_LIMIT, Row
from syncd.chunks import chunks
from syncd.errors import CrmError
from syncd.model import net_promoter_score

log = structlog.get_logger(__name__)


class Rollup:
    """Recomputes the roll-up fields of the accounts it is given."""

    def __init__(
        self,
        pack: Packer,
        fields: SalesforceFieldNames,
        names: RollupFieldNames,
        window_days: int,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pack = pack
        self._fields = fields
        self._names = names
        self._window = timedelta(days=window_days)
        self._now = now

    def after_contacts(self, contact_ids: Iterable[str]) -> None:
        """Refresh the accounts of these contacts."""
        ids = sorted(set(contact_ids))
        if not ids:
            return
        queries = [
            f"SELECT Id, AccountId FROM Contact WHERE {soql.in_clause('Id', run)}"
            for run in soql.in_lists(ids)
        ]
        self._guarded(lambda: self.refresh(_accounts(self._pack.rows(queries))))

    def after_tasks(self, account_ids: Iterable[str]) -> None:
        """Refresh these accounts (tasks changed), never raising."""
        self._guarded(lambda: self.refresh(account_ids))

    def refresh(self, account_ids: Iterable[str]) -> None:
        """Recompute and write the roll-up of each account (blank ids are ignored)."""
        ids = sorted({a for a in account_ids if a})
        if not ids:
            return
        f, key = self._fields, soql.name(self._fields.task_key)
        contact_select = (
            f"SELECT Id, AccountId, {soql.name(f.score)}, {soql.name(f.category)}, "
            f"{soql.name(f.responded_at)} FROM Contact WHERE "
        )
        task_select = (
            f"SELECT Id, AccountId, WhoId FROM Task WHERE IsClosed = false AND {key} != null AND "
        )
        runs = list(soql.in_lists(ids))
        queries = [contact_select + soql.in_clause("AccountId", run) for run in runs]
        queries += [task_select + soql.in_clause("AccountId", run) for run in runs]
        answers = self._pack.rows(queries)
        contacts = [row for rows in answers[: len(runs)] for row in rows]
        tasks = [row for rows in answers[len(runs) :] for row in rows]
        records = [self._record(a, contacts, tasks) for a in ids]
        batches = list(chunks(records, COLLECTION_LIMIT))
        for batch, results in zip(batches, self._pack.update(batches), strict=True):
            for record, result in zip(batch, results, strict=True):
                if not result.get("success"):
                    log.warning(
                        "crm.rollup.rejected", account=record["id"], errors=result.get("errors")
                    )

    def _record(self, account: str, contacts: Sequence[Row], tasks: Sequence[Row]) -> Row:
        f = self._fields
        mine = [c for c in contacts if c.get("AccountId") == account]
        answered = [(when, c) for c in mine if (when := soql.parse_datetime(c.get(f.responded_at)))]
        latest = max(answered, key=lambda pair: pair[0])[1].get(f.score) if answered else None
        since = self._now() - self._window
        recent = [_score(c.get(f.score)) for when, c in answered if when >= since]
        scores = [s for s in recent if s is not None]
        window = net_promoter_score(scores)
        detractors = {c["Id"] for c in mine if c.get(f.category) == "detractor"}
        open_followups = sum(
            1 for t in tasks if t.get("AccountId") == account and t.get("WhoId") in detractors
        )
        return {
            "attributes": {"type": "Account"},
            "id": account,
            self._names.latest: latest,
            self._names.window: window,
            self._names.open_detractor_followups: open_followups,
        }

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except CrmError as error:
            log.warning("crm.rollup.failed", error=str(error), detail="retried on the next change")


def _accounts(answers: Sequence[Sequence[Row]]) -> set[str]:
    return {str(row["AccountId"]) for rows in answers for row in rows if row.get("AccountId")}


def _score(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
