"""Tasks: created once per key, updated, and read back as changes.

Creation (see ``fields`` for why): each task goes in one all-or-none collection with a
``Syncd_Task_Key__c`` record holding its key in a unique External ID. If the collection fails,
the answer says which records failed for themselves: a key record with ``DUPLICATE_VALUE`` means
an earlier attempt created that task (its id is looked up by the key the task carries), a task
with its own error fails alone, and the rest, rolled back, are sent again. Steady state is one
call per 100 tasks; a retry after a lost answer costs one more call and one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime

from connectors.crm.salesforce import soql
from connectors.crm.salesforce.errors import first_code, record_error
from connectors.crm.salesforce.fields import KEY_FIELD, KEY_OBJECT, SalesforceFieldNames
from connectors.crm.salesforce.packing import MAX_HEAVY, Packer
from connectors.crm.salesforce.rest import COLLECTION_LIMIT, Rest, Row
from syncd.errors import CrmOutcomeUnknown, CrmRejected, SyncdError
from syncd.model import Priority, TaskChange, TaskChangePage, TaskSpec, TaskState, TaskUpdate

Outcome = dict[str, "str | SyncdError"]
PRIORITIES = {Priority.HIGH: "High", Priority.MEDIUM: "Normal", Priority.LOW: "Low"}
_ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
#: Tasks a collection carries: each comes with its key record, 200 records in all.
TASKS_PER_CALL = COLLECTION_LIMIT // 2
#: Tasks one composite call carries: five such collections.
TASKS_PER_COMPOSITE = TASKS_PER_CALL * MAX_HEAVY
_MAX_ROUNDS = 4


def key_value(key: str) -> str:
    """The key as stored (text fields hold 255 characters; longer keys are hashed)."""
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Tasks:
    """The task side of the connector."""

    def __init__(self, rest: Rest, pack: Packer, fields: SalesforceFieldNames) -> None:
        self._rest = rest
        self._pack = pack
        self._key = soql.name(fields.task_key)
        # The outcome field if one is configured, else the description (a note, if changed).
        self._outcome = soql.name(fields.task_outcome) if fields.task_outcome else None

    def create(self, tasks: Sequence[TaskSpec]) -> Outcome:
        """One task per key, however often a key is sent; up to 500 tasks a call."""
        unique = list({key_value(t.key): t for t in tasks}.items())
        runs = [
            dict(unique[start : start + TASKS_PER_CALL])
            for start in range(0, len(unique), TASKS_PER_CALL)
        ]
        outcome: dict[str, str | SyncdError] = {}
        for start in range(0, len(runs), MAX_HEAVY):
            outcome |= self._create_runs(runs[start : start + MAX_HEAVY])
        return {t.key: outcome[key_value(t.key)] for t in tasks}

    def _create_runs(self, runs: list[dict[str, TaskSpec]]) -> dict[str, str | SyncdError]:
        """Rounds of one composite call, a collection per run with tasks still pending."""
        done: dict[str, str | SyncdError] = {}
        existing: list[str] = []
        for _ in range(_MAX_ROUNDS):
            pending = [run for run in runs if run]
            if not pending:
                break
            batches = [self._records(run) for run in pending]
            # Idempotent by construction: a repeat fails on the unique key and creates nothing.
            answers = self._pack.create(batches, all_or_none=True, idempotent=True)
            for run, results in zip(pending, answers, strict=True):
                self._settle(run, results, done, existing)
        for run in runs:
            for key in run:
                done[key] = CrmOutcomeUnknown("Salesforce kept rolling the task collection back")
        return done | self._ids_of(existing)

    def _records(self, run: dict[str, TaskSpec]) -> list[Row]:
        keys = list(run)
        return [self._task_record(k, run[k]) for k in keys] + [
            {"attributes": {"type": KEY_OBJECT}, "Name": k[:80], KEY_FIELD: k} for k in keys
        ]

    @staticmethod
    def _settle(
        run: dict[str, TaskSpec],
        results: list[Row],
        done: dict[str, str | SyncdError],
        existing: list[str],
    ) -> None:
        """Take each key's result off ``run``; rolled-back keys stay for the next round."""
        keys = list(run)
        tasks, marks = results[: len(keys)], results[len(keys) :]
        for key, task, mark in zip(keys, tasks, marks, strict=True):
            if task.get("success"):
                done[key] = str(task["id"])
            elif first_code(mark.get("errors")) == "DUPLICATE_VALUE":
                existing.append(key)
            elif (code := first_code(task.get("errors"))) and code != _ROLLED_BACK:
                done[key] = record_error(task["errors"][0], contact=False)
            elif (code := first_code(mark.get("errors"))) and code != _ROLLED_BACK:
                done[key] = record_error(mark["errors"][0], contact=False)
            else:
                continue
            run.pop(key)

    def _ids_of(self, keys: Sequence[str]) -> dict[str, str | SyncdError]:
        found: dict[str, str | SyncdError] = {}
        for run in soql.in_lists(list(keys)):
            query = f"SELECT Id, {self._key} FROM Task WHERE {soql.in_clause(self._key, run)}"
            for row in self._rest.rows(query):
                found[str(row.get(self._key))] = str(row["Id"])
        for key in keys:
            found.setdefault(
                key, CrmRejected(f"the task for key {key!r} was created once and has been deleted")
            )
        return found

    def _task_record(self, key: str, task: TaskSpec) -> Row:
        record: Row = {
            "attributes": {"type": "Task"},
            "WhoId": task.contact_id,
            "Subject": task.subject[:255],
            "Description": task.body[:32000],
            "ActivityDate": task.due_at.date().isoformat(),
            "Priority": PRIORITIES[task.priority],
            "Status": "Not Started",
            self._key: key,
        }
        if task.owner_id:
            record["OwnerId"] = task.owner_id
        return record

    def update(self, updates: Sequence[TaskUpdate]) -> Outcome:
        """What each update changes: subject, description, priority, owner (an escalation);
        the status stays the users'."""
        runs = [updates[i : i + COLLECTION_LIMIT] for i in range(0, len(updates), COLLECTION_LIMIT)]
        batches = [[_update_record(u) for u in run] for run in runs]
        outcome: Outcome = {}
        for run, results in zip(runs, self._pack.update(batches), strict=True):
            for update, result in zip(run, results, strict=True):
                outcome[update.key] = (
                    update.task_id
                    if result.get("success")
                    else record_error((result.get("errors") or [{}])[0], contact=False)
                )
        return outcome

    def changes(self, since: datetime) -> Iterator[TaskChangePage]:
        """Tasks syncd created modified at or after ``since``, oldest first, a page per 2,000."""
        return (page for page, _ in self.changes_by_account(since))

    def changes_by_account(self, since: datetime) -> Iterator[tuple[TaskChangePage, set[str]]]:
        """Each page of ``changes`` with the Accounts of the tasks on it."""
        extra = self._outcome or "Description"
        query = (
            "SELECT Id, Status, IsClosed, CompletedDateTime, OwnerId, AccountId, SystemModstamp, "
            f"{extra} FROM Task WHERE {self._key} != null AND "
            f"SystemModstamp >= {soql.literal_datetime(since)} ORDER BY SystemModstamp, Id"
        )
        watermark: datetime | None = None
        for rows in self._rest.query(query):
            changes = [
                change for row in rows if (change := _change(row, self._outcome)) is not None
            ]
            if changes:
                watermark = max(watermark or changes[-1].modified_at, changes[-1].modified_at)
            accounts = {str(row["AccountId"]) for row in rows if row.get("AccountId")}
            yield TaskChangePage(changes, watermark), accounts


def _update_record(update: TaskUpdate) -> Row:
    record: Row = {"attributes": {"type": "Task"}, "id": update.task_id}
    if update.subject is not None:
        record["Subject"] = update.subject[:255]
    if update.body is not None:
        record["Description"] = update.body[:32000]
    if update.priority is not None:
        record["Priority"] = PRIORITIES[update.priority]
    if update.owner_id is not None:
        record["OwnerId"] = update.owner_id
    return record


def _change(row: Row, outcome_field: str | None) -> TaskChange | None:
    modified = soql.parse_datetime(row.get("SystemModstamp"))
    if modified is None or not row.get("Id"):
        return None
    closed = row.get("IsClosed") is True
    state = (
        TaskState.COMPLETED
        if closed
        else TaskState.IN_PROGRESS
        if row.get("Status") == "In Progress"
        else TaskState.OPEN
    )
    completed = soql.parse_datetime(row.get("CompletedDateTime")) or modified if closed else None
    return TaskChange(
        task_id=str(row["Id"]),
        state=state,
        modified_at=modified,
        owner_id=row.get("OwnerId") or None,
        completed_at=completed,
        outcome=_text(row.get(outcome_field)) if outcome_field else None,
        body=None if outcome_field else str(row.get("Description") or ""),
    )


def _text(value: object) -> str | None:
    """A field value as text, blank as None (a picklist, text or a checkbox alike)."""
    text = "" if value is None else str(value).strip()
    return text[:200] or None
