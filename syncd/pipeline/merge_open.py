"""One open follow-up per respondent and category: a later answer joins the open task.

With ``[routing] merge_open_tasks``, an answer whose rule asks for a task, from a respondent who
already has an open follow-up of the same NPS category, creates no second task: the open task
gets the new answer appended to its description (subject and due date kept, priority raised if
the new answer asks for more). The answer's loop records ``no_task_reason = "merged"``.
Respondents are recognised by email, as every loop keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from syncd.actions import TaskEdit
from syncd.model import Priority, ResponseKey, SurveyResponse
from syncd.routing import RoutingDecision, TaskPlan
from syncd.store import loops, task_content
from syncd.store.outbox import ActionKind, key_for

_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2}


@dataclass(frozen=True, slots=True)
class _Open:
    create_key: str
    subject: str
    body: str
    priority: Priority


class OpenFollowUps:
    """The open follow-ups of one plan batch's respondents, and the merges into them."""

    def __init__(
        self,
        conn: Connection,
        crm: str,
        enabled: bool,
        planned: Sequence[tuple[SurveyResponse, RoutingDecision]],
    ) -> None:
        self._conn = conn
        self._open: dict[tuple[str, str], tuple[int, ResponseKey]] = {}
        self._in_batch: dict[tuple[str, str], _Open] = {}
        emails = {r.email for r, d in planned if enabled and r.email and d.task is not None}
        for found in loops.open_follow_ups(conn, crm, emails):
            slot = (found.email, found.category)
            if slot not in self._open or self._open[slot][0] < found.response_ms:
                self._open[slot] = (found.response_ms, found.key)
        self._enabled = enabled

    def merge(self, response: SurveyResponse, task: TaskPlan) -> TaskEdit | None:
        """The update that merges ``response`` into its respondent's open follow-up, or None
        when it should get its own task (which later answers of the batch may merge into)."""
        if not self._enabled or not response.email:
            return None
        slot = (response.email, response.category.value)
        target = self._in_batch.get(slot) or self._stored(slot, response.key)
        if target is None:
            self._in_batch[slot] = _Open(
                key_for(response.source, response.response_id, ActionKind.CREATE_TASK),
                task.subject,
                task.body,
                task.priority,
            )
            return None
        if target.create_key == key_for(
            response.source, response.response_id, ActionKind.CREATE_TASK
        ):
            return None  # a later version of the answer that owns the task
        when = response.submitted_at.isoformat(timespec="minutes")
        body = f"{target.body}\n\n--- Another answer, {when} ---\n{task.body}"
        priority = max(target.priority, task.priority, key=_RANK.__getitem__)
        self._in_batch[slot] = _Open(target.create_key, target.subject, body, priority)
        return TaskEdit(
            subject=target.subject, body=body, priority=priority, target=target.create_key
        )

    def _stored(self, slot: tuple[str, str], own: ResponseKey) -> _Open | None:
        found = self._open.get(slot)
        if found is None or found[1] == own:
            return None
        create_key = key_for(found[1].source, found[1].response_id, ActionKind.CREATE_TASK)
        besides = key_for(own.source, own.response_id, ActionKind.UPDATE_TASK)
        content = task_content.latest(self._conn, create_key, besides)
        if content is None or content.subject is None or content.body is None:
            return None
        return _Open(create_key, content.subject, content.body, content.priority or Priority.LOW)
