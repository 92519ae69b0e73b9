"""Typed values the SDK layer hands out, and their conversion from the SDK's response models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from connectors.crm.hubspot.mapping import owner
from syncd.model import Contact, Owner

T = TypeVar("T")

#: ``archived=false`` as HubSpot's spec spells a query boolean; the SDK passes a Python bool
#: through ``str()``, which would send ``archived=False``.
NOT_ARCHIVED = "false"


@dataclass(frozen=True, slots=True)
class Record:
    """A HubSpot object: id, the requested properties, and its own modification time."""

    id: str
    properties: Mapping[str, str | None]
    updated_at: datetime | None = None
    trace_id: str | None = None


@dataclass(frozen=True, slots=True)
class ItemError:
    """One entry of a 207's ``errors``.

    ``refs`` are the record ids and ``objectWriteTraceId``s it is about, when HubSpot says.
    """

    category: str
    message: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskInput:
    """A task to upsert by ``key`` (also its objectWriteTraceId, echoed on its result)."""

    key: str
    properties: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch call returned: the records written or read, and per-item errors."""

    results: tuple[Record, ...]
    errors: tuple[ItemError, ...] = ()


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, and the cursor of the next one (None on the last page)."""

    items: tuple[T, ...]
    after: str | None


def list_of(response: Any, name: str) -> list[Any]:
    """A list attribute of a response model; a missing body or attribute is an empty list."""
    return list(getattr(response, name, None) or [])


def next_after(response: Any) -> str | None:
    """The cursor of the next page, or None on the last page."""
    following = getattr(getattr(response, "paging", None), "next", None)
    after = getattr(following, "after", None)
    return str(after) if after else None


def record_from(item: Any) -> Record:
    """A ``Record`` from an SDK object, properties as strings, keeping its write trace id."""
    properties = {
        str(k): (None if v is None else str(v)) for k, v in (item.properties or {}).items()
    }
    updated = getattr(item, "updated_at", None)
    trace = getattr(item, "object_write_trace_id", None)
    return Record(
        id=str(item.id),
        properties=properties,
        updated_at=updated if isinstance(updated, datetime) else None,
        trace_id=str(trace) if trace else None,
    )


def item_error_from(item: Any) -> ItemError:
    """An ``ItemError`` from an SDK error entry, with the ids and trace ids it names."""
    context = getattr(item, "context", None)
    context = context if isinstance(context, dict) else {}
    refs = [*context.get("ids", []), *context.get("objectWriteTraceId", [])]
    return ItemError(
        category=str(getattr(item, "category", None) or ""),
        message=str(getattr(item, "message", None) or ""),
        refs=tuple(str(ref) for ref in refs),
    )


def association_result(body: bytes) -> BatchResult:
    """A batch associate answer (200 or 207): the ``from`` id of each association made."""
    data = json.loads(body or b"{}")
    made = [item for item in data.get("results") or [] if isinstance(item, dict)]
    errors = [item for item in data.get("errors") or [] if isinstance(item, dict)]
    return BatchResult(
        results=tuple(
            Record(id=str(item.get("from", {}).get("id")), properties={}) for item in made
        ),
        errors=tuple(item_error_from(SimpleNamespace(**error)) for error in errors),
    )


def owner_from(item: Any) -> Owner:
    """An ``Owner`` from an SDK owner object, with the names of its teams."""
    teams = frozenset(str(team.name) for team in list_of(item, "teams") if team.name)
    return owner(
        owner_id=str(item.id),
        email=item.email,
        first_name=item.first_name,
        last_name=item.last_name,
        teams=teams,
        archived=bool(item.archived),
    )


def contact_from(record: Record) -> Contact:
    """The ``Contact`` a lookup read: its id, email (lowercased) and owner."""
    email = (record.properties.get("email") or "").strip().lower() or None
    owner_id = record.properties.get("hubspot_owner_id") or None
    return Contact(id=record.id, email=email, owner_id=owner_id)
