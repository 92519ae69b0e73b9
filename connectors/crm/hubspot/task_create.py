"""Task creates in one call per 100 tasks, idempotent on the action's key.

The usual case, tasks HubSpot has never seen, is one batch create with the contact association
inline. Any task that create did not certainly make (its key is already taken after a retry, a
lost answer or a lost store; a 207 error; a failed or unanswered call) goes through batch upsert
by the key and a default association instead: both idempotent, so whatever the create did, the
second path ends with exactly one task per key, linked to its contact. A create that lands late
(a slow commit after the client gave up) meets the key the upsert already wrote and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.crm.hubspot import mapping, outcomes
from connectors.crm.hubspot.client import HubSpotApi
from connectors.crm.hubspot.records import TaskInput
from syncd.errors import CrmError, SyncdError
from syncd.model import TaskSpec

Outcome = dict[str, "str | SyncdError"]


class TaskCreator:
    """Sends one batch of task creates: create with associations first, upsert for the rest."""

    def __init__(self, api: HubSpotApi, key_property: str) -> None:
        self._api = api
        self._key = key_property

    def send(self, tasks: Sequence[TaskSpec]) -> Outcome:
        """Task id or error per task key."""
        created = self._create(tasks)
        rest = [task for task in tasks if task.key not in created]
        return created | (self._upsert(rest) if rest else {})

    def _create(self, tasks: Sequence[TaskSpec]) -> dict[str, str]:
        """The ids of the tasks this call created; the others are left to the upsert."""
        inputs = [(self._input(task), task.contact_id) for task in tasks]
        try:
            result = self._api.create_tasks_on_contacts(inputs)
        except CrmError:
            return {}  # the upsert path repeats the call's errors if they are real
        made = outcomes.match(
            tasks,
            result,
            key=lambda task: task.key,
            ref=lambda task: task.key,
            record_refs=lambda r: (r.properties.get(self._key), r.trace_id),
            error_for=outcomes.task_error,
        )
        return {key: value for key, value in made.items() if isinstance(value, str)}

    def _upsert(self, tasks: Sequence[TaskSpec]) -> Outcome:
        result = self._api.upsert_tasks(self._key, [self._input(task) for task in tasks])
        # Results are matched by their key (and trace id), never by position.
        upserted = outcomes.match(
            tasks,
            result,
            key=lambda task: task.key,
            ref=lambda task: task.key,
            record_refs=lambda r: (r.properties.get(self._key), r.trace_id),
            error_for=outcomes.task_error,
        )
        return self._associate(tasks, upserted)

    def _associate(self, tasks: Sequence[TaskSpec], upserted: Outcome) -> Outcome:
        """Link every upserted task to its contact (again, if an earlier attempt did)."""
        links = {
            task.key: (task_id, task.contact_id)
            for task in tasks
            if isinstance(task_id := upserted[task.key], str)
        }
        if not links:
            return upserted
        result = self._api.associate_tasks_with_contacts(list(links.values()))
        # A task that exists but is not linked is not done: its retry upserts and links again.
        return upserted | outcomes.match_links(links, result)

    def _input(self, task: TaskSpec) -> TaskInput:
        return TaskInput(task.key, mapping.task_create_properties(task, self._key))
