"""The custom task property that makes task creation idempotent, and the check that it exists.

HubSpot has no idempotency key on writes, but it upserts records by a property that requires
unique values: ``POST /crm/v3/objects/tasks/batch/upsert`` with ``idProperty``
(https://developers.hubspot.com/docs/api-reference/latest/crm/activities/tasks/batch/upsert-tasks).
``hasUniqueValue`` can only be set when a property is created
(https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide). HubSpot's pages
name unique properties for contacts, companies, deals, tickets and custom objects; that tasks
accept one is implied by the tasks upsert endpoint, not stated: the check below says so
plainly when a portal refuses.
"""

from __future__ import annotations

from typing import Any

from syncd.errors import CrmSetupError

TASK_PROPERTY_GROUP = "taskinformation"
#: The default group of note properties, named like the task one (the fake's portal has it).
NOTE_PROPERTY_GROUP = "noteinformation"


def task_key_property(name: str) -> dict[str, Any]:
    """The body of ``POST /crm/v3/properties/tasks`` that creates the key property."""
    return {
        "groupName": TASK_PROPERTY_GROUP,
        "name": name,
        "label": "NPS follow-up key",
        "type": "string",
        "fieldType": "text",
        "hasUniqueValue": True,
        "formField": False,
        "description": "Set by syncd: the survey answer this task follows up (one task each).",
    }


def note_key_property(name: str) -> dict[str, Any]:
    """The body of ``POST /crm/v3/properties/notes`` that creates the history note key."""
    return {
        "groupName": NOTE_PROPERTY_GROUP,
        "name": name,
        "label": "NPS answer key",
        "type": "string",
        "fieldType": "text",
        "hasUniqueValue": True,
        "formField": False,
        "description": "Set by syncd: the survey answer this note records (one note each).",
    }


class TaskKeyPropertyMissing(CrmSetupError):
    """The portal lacks the unique task property: no task can be created safely without it.

    Blocking, not terminal: every create would fail the same way, so the work waits for an admin
    instead of being dead-lettered."""


def missing_property(name: str, problem: str) -> TaskKeyPropertyMissing:
    """The error that holds delivery back until the task key property is set up right."""
    return TaskKeyPropertyMissing(
        f"HubSpot task property {name!r} (crm.fields.task_key) {problem}. syncd creates tasks "
        f"as upserts keyed by it: create it on tasks with hasUniqueValue=true (type string, "
        f"group {TASK_PROPERTY_GROUP!r}); delivery waits until it exists."
    )
