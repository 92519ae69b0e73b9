"""Pipeline health for the report: outbox counts and unresolved quarantine, as they are now.

A snapshot of the present, so the report's period does not narrow it: an action that died last
month is still a problem today.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import Column, ColumnElement, Connection, func, select

from syncd.store.schema import outbox, quarantine

#: Every outbox status, in pipeline order; the report shows all of them, zeros included.
OUTBOX_STATUSES = ("waiting", "pending", "in_flight", "done", "dead", "skipped", "quarantined")
RECENT_QUARANTINE = 10


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One unresolved quarantined item, as the report lists it."""

    created_ms: int
    source: str
    response_id: str | None
    stage: str
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class PipelineHealth:
    """Outbox counts per (kind, status) and unresolved quarantine counts per reason code."""

    outbox: Mapping[str, Mapping[str, int]]
    quarantine_by_reason: Mapping[str, int]
    recent_quarantine: Sequence[QuarantineEntry]


def pipeline_health(conn: Connection, source: str | None) -> PipelineHealth:
    """Outbox and unresolved quarantine counts now (filtered by source only)."""
    return PipelineHealth(
        outbox=MappingProxyType(_outbox_counts(conn, source)),
        quarantine_by_reason=MappingProxyType(_quarantine_counts(conn, source)),
        recent_quarantine=_recent_quarantine(conn, source),
    )


def _outbox_counts(conn: Connection, source: str | None) -> dict[str, dict[str, int]]:
    """{kind: {status: count}} with every known status present, kinds in name order."""
    query = (
        select(outbox.c.kind, outbox.c.status, func.count())
        .where(*_where(outbox.c.source, source))
        .group_by(outbox.c.kind, outbox.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for kind, status, count in sorted(conn.execute(query)):
        counts.setdefault(kind, dict.fromkeys(OUTBOX_STATUSES, 0))[status] = count
    return counts


def _unresolved(source: str | None) -> list[ColumnElement[bool]]:
    return [quarantine.c.resolved_ms.is_(None), *_where(quarantine.c.source, source)]


def _quarantine_counts(conn: Connection, source: str | None) -> dict[str, int]:
    query = (
        select(quarantine.c.reason_code, func.count())
        .where(*_unresolved(source))
        .group_by(quarantine.c.reason_code)
        .order_by(quarantine.c.reason_code)
    )
    return {code: count for code, count in conn.execute(query)}


def _recent_quarantine(conn: Connection, source: str | None) -> tuple[QuarantineEntry, ...]:
    q = quarantine.c
    query = (
        select(q.created_ms, q.source, q.response_id, q.stage, q.reason_code, q.reason)
        .where(*_unresolved(source))
        .order_by(q.created_ms.desc(), q.id.desc())
        .limit(RECENT_QUARANTINE)
    )
    return tuple(QuarantineEntry(*row) for row in conn.execute(query))


def _where(source_column: Column[str], value: str | None) -> list[ColumnElement[bool]]:
    return [] if value is None else [source_column == value]
