"""Translation between syncd's model and HubSpot properties (all values travel as strings)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from connectors.crm.hubspot.settings import HubSpotFieldNames
from syncd.model import ContactField, NpsFields, Owner, TaskChange, TaskSpec, TaskState, TaskUpdate

logger = logging.getLogger(__name__)

#: Task -> contact association, defined by HubSpot.
TASK_TO_CONTACT = 204
MARKER_PREFIX = "syncd-key:"
# The last marker line wins; HubSpot may wrap the body in HTML, so stop at whitespace or "<".
_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"[ \t]*([^\s<]+)")
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


def body_with_marker(body: str, marker: str) -> str:
    """The task body with the marker line that lets an unknown create be found again."""
    line = f"{MARKER_PREFIX} {marker}"
    return f"{body.rstrip()}\n\n{line}" if body.strip() else line


def marker_of(body: str | None) -> str | None:
    """The marker in a task body, or None for a task syncd did not create."""
    found = _MARKER.findall(body or "")
    return found[-1] if found else None


def task_create_properties(task: TaskSpec) -> dict[str, str]:
    properties = {
        "hs_task_subject": task.subject,
        "hs_task_body": body_with_marker(task.body, task.marker),
        "hs_timestamp": str(epoch_ms(task.due_at)),
        "hs_task_priority": task.priority.value.upper(),
        "hs_task_status": "NOT_STARTED",
        "hs_task_type": "TODO",
    }
    if task.owner_id is not None:
        properties["hubspot_owner_id"] = task.owner_id
    return properties


def task_update_properties(update: TaskUpdate) -> dict[str, str]:
    """Subject, body and priority; the caller passes the task's marker as ``update.key``."""
    return {
        "hs_task_subject": update.subject,
        "hs_task_body": body_with_marker(update.body, update.key),
        "hs_task_priority": update.priority.value.upper(),
    }


def task_state(status: str | None) -> TaskState:
    state = _STATES.get((status or "").upper())
    if state is None:
        logger.warning("unknown HubSpot task status %r, treated as open", status)
        return TaskState.OPEN
    return state


def task_change(task_id: str, properties: Properties, updated_at: datetime | None) -> TaskChange:
    """A ``TaskChange`` from a task's search properties (``updated_at``: the record's own)."""
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
    name = " ".join(part for part in (first_name, last_name) if part)
    return Owner(
        id=owner_id,
        email=(email or "").lower(),
        name=name or (email or owner_id),
        teams=teams,
        active=not archived,
    )
