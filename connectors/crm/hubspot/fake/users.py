"""The sandbox's CRM users working their tasks: completing, starting, reopening, handing on."""

from __future__ import annotations

import threading
from datetime import datetime

from connectors.crm.hubspot.fake.schema import TASK_STATUSES, TASKS
from connectors.crm.hubspot.fake.state import COMPLETED, Record, Store

NOT_STARTED = "NOT_STARTED"


class TaskWork:
    """What a HubSpot user does to a task in the app; each is a modification search will see."""

    _lock: threading.RLock
    _store: Store

    def set_task_status(self, task_id: str, status: str, *, at: datetime | None = None) -> None:
        """COMPLETED stamps hs_task_completion_date, re-opening clears it; always a modification."""
        if status not in TASK_STATUSES:
            raise ValueError(f"{status!r} is not one of {TASK_STATUSES}")
        with self._lock:
            self._store.change(self._task(task_id), {"hs_task_status": status}, at)

    def complete_task(self, task_id: str, *, at: datetime | None = None, **properties: str) -> None:
        """Complete the task, writing ``properties`` in the same save (an outcome, a note in
        ``hs_task_body``), as a user filling the completion form does."""
        with self._lock:
            changes = {**properties, "hs_task_status": COMPLETED}
            self._store.change(self._task(task_id), changes, at)

    def start_task(self, task_id: str) -> None:
        self.set_task_status(task_id, "IN_PROGRESS")

    def reopen_task(self, task_id: str) -> None:
        """Back to not started, which clears ``hs_task_completion_date``."""
        self.set_task_status(task_id, NOT_STARTED)

    def reassign_task(self, task_id: str, owner_id: str, *, at: datetime | None = None) -> None:
        with self._lock:
            if owner_id not in self._store.owners:
                raise ValueError(f"no owner with id {owner_id!r}")
            self._store.change(self._task(task_id), {"hubspot_owner_id": owner_id}, at)

    def _task(self, task_id: str) -> Record:
        task = self._store.get(TASKS, task_id)
        if task is None:
            raise KeyError(f"no task with id {task_id!r}")
        return task
