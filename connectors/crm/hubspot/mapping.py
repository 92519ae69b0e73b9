"""Translation between syncd's model and HubSpot properties (all values travel as strings)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from connectors.crm.hubspot.settings import HubSpotFieldNames
from syncd.model import (
    ContactField,
    ContactUpdate,
    NpsFields,
    Owner,
    TaskChange,
    TaskSpec,
    TaskState,
    TaskUpdate,
)

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_STATES = {
    "NOT_STARTED": TaskState.OPEN,
    "DEFERRED": TaskState.OPEN,
    "IN_PROGRESS": TaskState.IN_PROGRESS,
    "WAITING": TaskState.IN_PROGRESS,
    "COMPLETED": TaskState.COMPLETED,
}

CHANGE_PROPERTIES = (
    "hs_task_status",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
    "hs_task_completion_date",
)
#: Read with the changes when no outcome property is configured: a changed body is a note.
BODY_PROPERTY = "hs_task_body"


def change_properties(outcome_property: str) -> tuple[str, ...]:
    """The task properties a change read asks for: the outcome property, else the body."""
    return (*CHANGE_PROPERTIES, outcome_property or BODY_PROPERTY)


Properties = Mapping[str, "str | None"]


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(milliseconds=1)


def parse_time(value: str | None) -> datetime | None:
    """An aware UTC datetime from HubSpot's ISO-8601 (``...Z``) or epoch-milliseconds strings."""
    text = (value or "").strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return _EPOCH + timedelta(milliseconds=int(text))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        logger.warning("unparseable HubSpot timestamp %r", text)
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def lookup_key(field: ContactField, value: str | None) -> str:
    """A looked-up value as HubSpot compares it: emails ignore case, other values do not."""
    text = (value or "").strip()
    return text.lower() if field.property is None else text


def contact_properties(fields: NpsFields, names: HubSpotFieldNames) -> dict[str, str]:
    """The contact properties to write; ``""`` clears a value left by an older response."""
    values = {
        names.score: str(fields.score),
        names.category: fields.category.value,
        names.responded_at: str(epoch_ms(fields.responded_at)),
        names.comment: fields.comment or "",
        names.link: fields.link or "",
        names.survey: fields.survey or "",
        names.source: fields.source or "",
    }
    return {name: value for name, value in values.items() if name}


def contact_update_properties(update: ContactUpdate, names: HubSpotFieldNames) -> dict[str, str]:
    """The NPS fields (if any) and, where configured, the loop-closed time (``""`` clears it)."""
    values = {} if update.fields is None else contact_properties(update.fields, names)
    if names.loop_closed_at:
        closed = update.loop_closed_at
        values[names.loop_closed_at] = "" if closed is None else str(epoch_ms(closed))
    return values


def task_create_properties(task: TaskSpec, key_property: str) -> dict[str, str]:
    """What a create sends: content, owner and the key, but no status.

    The create is an upsert, so it may land on a task that already exists (a retry, a lost
    store); leaving ``hs_task_status`` out keeps a task someone completed closed. New tasks
    get HubSpot's default status: NOT_STARTED in the UI; HubSpot's API pages do not say so for
    the API, and a task without a status is read as open (``task_state``).
    """
    properties = {
        key_property: task.key,
        "hs_task_subject": task.subject,
        "hs_task_body": task.body,
        "hs_timestamp": str(epoch_ms(task.due_at)),
        "hs_task_priority": task.priority.value.upper(),
        "hs_task_type": "TODO",
    }
    if task.owner_id is not None:
        properties["hubspot_owner_id"] = task.owner_id
    return properties


def task_update_properties(update: TaskUpdate) -> dict[str, str]:
    """What the update changes of a task syncd created: subject, body, priority, owner."""
    values = {
        "hs_task_subject": update.subject,
        "hs_task_body": update.body,
        "hs_task_priority": None if update.priority is None else update.priority.value.upper(),
        "hubspot_owner_id": update.owner_id,
    }
    return {name: value for name, value in values.items() if value is not None}


def task_state(status: str | None) -> TaskState:
    """Map ``hs_task_status``; an unknown status counts as open so the loop is not closed early."""
    state = _STATES.get((status or "").upper())
    if state is None:
        logger.warning("unknown HubSpot task status %r, treated as open", status)
        return TaskState.OPEN
    return state


def task_change(
    task_id: str, properties: Properties, updated_at: datetime | None, outcome_property: str = ""
) -> TaskChange:
    """A ``TaskChange`` from a task's search properties (``updated_at``: the record's own).

    ``outcome_property`` names the task property holding the loop's outcome; unset, the body
    is passed on instead, so the core can tell whether the owner wrote a note.
    """
    modified = parse_time(properties.get("hs_lastmodifieddate")) or updated_at or _EPOCH
    state = task_state(properties.get("hs_task_status"))
    completed = None
    if state is TaskState.COMPLETED:
        completed = parse_time(properties.get("hs_task_completion_date")) or modified
    return TaskChange(
        task_id=task_id,
        state=state,
        modified_at=modified,
        owner_id=properties.get("hubspot_owner_id") or None,
        completed_at=completed,
        outcome=(properties.get(outcome_property) or "").strip() or None
        if outcome_property
        else None,
        body=None if outcome_property else properties.get(BODY_PROPERTY),
    )


def owner(
    *,
    owner_id: str,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    teams: frozenset[str],
    archived: bool,
) -> Owner:
    """An ``Owner`` from HubSpot's fields: email lower-cased, archived owners inactive."""
    name = " ".join(part for part in (first_name, last_name) if part)
    return Owner(
        id=owner_id,
        email=(email or "").lower(),
        name=name or (email or owner_id),
        teams=teams,
        active=not archived,
    )
