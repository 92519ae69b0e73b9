"""Reads the store for ``syncd report`` (SQLAlchemy Core) and assembles the ``Report``.

Filters: ``since`` keeps responses answered at or after it (``loops.response_ms``,
``inbox.submitted_ms``); ``source`` keeps one survey source in every table that has one.
Pipeline health is a snapshot of the present, so ``since`` does not narrow it: an action that
died last month is still a problem today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from sqlalchemy import Column, ColumnElement, Connection, func, select

from syncd.clock import to_ms
from syncd.report import metrics
from syncd.report.loop_sql import GroupMetrics, metrics_by
from syncd.report.metrics import (
    CATEGORY_ORDER,
    NO_TEAM,
    UNASSIGNED,
    Group,
    LoopMetrics,
    Nps,
    OwnerName,
    nps_from_scores,
)
from syncd.store.schema import inbox, loops, outbox, owners, quarantine

#: Every outbox status, in pipeline order; the report shows all of them, zeros included.
OUTBOX_STATUSES = ("pending", "in_flight", "done", "dead", "skipped", "quarantined")
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


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``syncd report`` shows, computed once and rendered by several formats."""

    generated_at: datetime
    since: datetime | None
    source: str | None
    overall: LoopMetrics
    by_category: Sequence[Group]
    by_team: Sequence[Group]
    by_owner: Sequence[Group]
    nps: Nps
    nps_by_source: Mapping[str, Nps]
    pipeline: PipelineHealth

    @property
    def dimensions(self) -> Sequence[tuple[str, Sequence[Group]]]:
        """The report's groupings, in display order, each with its groups."""
        return (
            ("overall", (metrics.overall_group(self.overall),)),
            ("category", self.by_category),
            ("team", self.by_team),
            ("owner", self.by_owner),
        )


def build_report(
    conn: Connection, *, now: datetime, since: datetime | None = None, source: str | None = None
) -> Report:
    """Compute the report as of ``now`` from the store behind ``conn``.

    Naive datetimes are taken as UTC, like every time in the store (a ``--since 2025-03-01``
    typed at the command line arrives naive).
    """
    now_ms = _ms(now)
    since_ms = _ms(since) if since is not None else None
    where = _where(loops.c.source, source, loops.c.response_ms, since_ms)
    per_source = _scores_by_source(conn, since_ms, source)
    (overall,) = metrics_by(conn, "overall", where, now_ms)
    return Report(
        generated_at=now,
        since=since,
        source=source,
        overall=overall.metrics,
        by_category=_by_category(metrics_by(conn, "category", where, now_ms)),
        by_team=_by_team(metrics_by(conn, "team", where, now_ms)),
        by_owner=_by_owner(metrics_by(conn, "owner", where, now_ms), _owner_names(conn)),
        nps=nps_from_scores(sum(per_source.values(), Counter[int]())),
        nps_by_source=MappingProxyType(
            {name: nps_from_scores(per_source[name]) for name in sorted(per_source)}
        ),
        pipeline=_pipeline(conn, source),
    )


def _ms(moment: datetime) -> int:
    # datetime.timestamp() would read a naive value as local time; the store is UTC throughout.
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _where(
    source_column: Column[str],
    value: str | None,
    time_column: Column[int] | None = None,
    since_ms: int | None = None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if value is not None:
        conditions.append(source_column == value)
    if time_column is not None and since_ms is not None:
        conditions.append(time_column >= since_ms)
    return conditions


def _by_category(groups: Sequence[GroupMetrics]) -> tuple[Group, ...]:
    """All three NPS categories, detractors first, even when empty; unknown ones after."""
    found = {g.key: g.metrics for g in groups}
    extra = sorted(set(found) - set(CATEGORY_ORDER))
    return tuple(
        Group("category", name, name, None, found.get(name, LoopMetrics()))
        for name in (*CATEGORY_ORDER, *extra)
    )


def _by_team(groups: Sequence[GroupMetrics]) -> tuple[Group, ...]:
    """Teams in name order; loops routed to no team last, as ``(no team)``."""
    ordered = sorted(groups, key=lambda g: (g.key == NO_TEAM, g.key.casefold(), g.key))
    return tuple(Group("team", g.key, g.key, None, g.metrics) for g in ordered)


def _by_owner(
    groups: Sequence[GroupMetrics], names: Mapping[tuple[str, str], OwnerName]
) -> tuple[Group, ...]:
    """Owners keyed ``crm:id`` and named from ``owners``; unknown ids show as the id."""
    built = []
    for g in groups:
        if g.key == UNASSIGNED or g.owner_id is None:
            built.append(Group("owner", g.key, UNASSIGNED, None, g.metrics))
            continue
        known = names.get((g.crm, g.owner_id))
        label, email = (known.name, known.email) if known else (g.owner_id, None)
        built.append(Group("owner", g.key, label, email, g.metrics))
    return tuple(sorted(built, key=lambda g: (g.key == UNASSIGNED, g.label.casefold(), g.key)))


def _owner_names(conn: Connection) -> dict[tuple[str, str], OwnerName]:
    query = select(owners.c.crm, owners.c.id, owners.c.name, owners.c.email)
    return {(r.crm, r.id): OwnerName(r.name, r.email) for r in conn.execute(query)}


def _scores_by_source(
    conn: Connection, since_ms: int | None, source: str | None
) -> dict[str, Counter[int]]:
    """{source: {score: answers}}, each response counted once at its latest version.

    The inbox's unique (source, response_id) constraint keeps one row per response, which
    ``store_response`` rewrites in place when a newer version arrives, so every row already is
    the latest version.
    """
    query = (
        select(inbox.c.source, inbox.c.score, func.count())
        .where(*_where(inbox.c.source, source, inbox.c.submitted_ms, since_ms))
        .group_by(inbox.c.source, inbox.c.score)
    )
    per_source: dict[str, Counter[int]] = {}
    for name, score, count in conn.execute(query):
        per_source.setdefault(name, Counter())[score] += count
    return per_source


def _pipeline(conn: Connection, source: str | None) -> PipelineHealth:
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
