"""Reads the store for ``syncd report`` (SQLAlchemy Core) and assembles the ``Report``.

Filters: ``since``/``until`` keep responses answered in [since, until) (``loops.response_ms``,
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

from syncd.clock import from_ms, to_ms
from syncd.report import metrics
from syncd.report.effect import EFFECT_DIMENSIONS, Effect, effectiveness
from syncd.report.loop_sql import DIMENSIONS, GroupMetrics, metrics_by
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
from syncd.report.period import Period
from syncd.report.shape_sql import Bucket, backlog_ageing, close_distribution
from syncd.store.schema import inbox, loops, outbox, owners, quarantine

#: Every outbox status, in pipeline order; the report shows all of them, zeros included.
OUTBOX_STATUSES = ("pending", "in_flight", "done", "dead", "skipped", "quarantined")
RECENT_QUARANTINE = 10
#: The share of loops that should close within their SLA, drawn on the weekly SLA chart.
DEFAULT_SLA_TARGET = 0.9


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
    """Everything ``syncd report`` shows, computed once and rendered by several formats.

    ``group_by`` names the breakdown asked for (``grouped`` holds its groups); without it the
    report breaks down by category, team and owner. ``weeks`` is the per-week series (week of
    the answer), ``effect`` loop effectiveness overall, per team and per owner, ``ageing`` and
    ``close_spread`` the bucketed distributions the charts draw.
    """

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
    until: datetime | None = None
    group_by: str | None = None
    grouped: Sequence[Group] = ()
    weeks: Sequence[Group] = ()
    effect: Sequence[Effect] = ()
    ageing: Sequence[Bucket] = ()
    close_spread: Sequence[Bucket] = ()
    sla_target: float = DEFAULT_SLA_TARGET

    @property
    def dimensions(self) -> Sequence[tuple[str, Sequence[Group]]]:
        """The report's groupings, in display order, each with its groups."""
        overall = ("overall", (metrics.overall_group(self.overall),))
        if self.group_by is not None:
            return (overall, (self.group_by, self.grouped))
        return (
            overall,
            ("category", self.by_category),
            ("team", self.by_team),
            ("owner", self.by_owner),
        )

    def owner_label(self, key: str) -> str:
        """The display name of an owner key (``crm:id``) as the owner breakdown names it."""
        return next((g.label for g in self.by_owner if g.key == key), key)


def build_report(
    conn: Connection,
    *,
    now: datetime,
    since: datetime | None = None,
    source: str | None = None,
    until: datetime | None = None,
    group_by: str | None = None,
    sla_target: float = DEFAULT_SLA_TARGET,
) -> Report:
    """Compute the report as of ``now`` from the store behind ``conn``.

    Naive datetimes are taken as UTC, like every time in the store (a ``--since 2025-03-01``
    typed at the command line arrives naive). ``group_by`` is one of ``DIMENSIONS``.
    """
    if group_by is not None and group_by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {', '.join(DIMENSIONS)}")
    now_ms = _ms(now)
    period = Period.of(since, until, source)
    where = period.on(loops.c.response_ms, loops.c.source)
    per_source = _scores_by_source(conn, period)
    (overall,) = metrics_by(conn, "overall", where, now_ms)
    names = _owner_names(conn)
    by_owner = _by_owner(metrics_by(conn, "owner", where, now_ms), names)
    return Report(
        generated_at=now,
        since=since,
        source=source,
        overall=overall.metrics,
        by_category=_by_category(metrics_by(conn, "category", where, now_ms)),
        by_team=_by_team(metrics_by(conn, "team", where, now_ms)),
        by_owner=by_owner,
        nps=nps_from_scores(sum(per_source.values(), Counter[int]())),
        nps_by_source=MappingProxyType(
            {name: nps_from_scores(per_source[name]) for name in sorted(per_source)}
        ),
        pipeline=_pipeline(conn, source),
        until=until,
        group_by=group_by,
        grouped=_grouped(conn, group_by, where, now_ms, names),
        weeks=_plain("week", metrics_by(conn, "week", where, now_ms)),
        effect=[e for d in EFFECT_DIMENSIONS for e in effectiveness(conn, d, period)],
        ageing=backlog_ageing(conn, where, now_ms),
        close_spread=close_distribution(conn, where),
        sla_target=sla_target,
    )


def _grouped(
    conn: Connection,
    group_by: str | None,
    where: list[ColumnElement[bool]],
    now_ms: int,
    names: Mapping[tuple[str, str], OwnerName],
) -> tuple[Group, ...]:
    if group_by is None:
        return ()
    found = metrics_by(conn, group_by, where, now_ms)
    if group_by == "category":
        return _by_category(found)
    if group_by == "team":
        return _by_team(found)
    if group_by == "owner":
        return _by_owner(found, names)
    return _plain(group_by, found)


def _plain(dimension: str, groups: Sequence[GroupMetrics]) -> tuple[Group, ...]:
    """Groups in key order; a week is labelled by its Monday's date."""
    ordered = sorted(groups, key=lambda g: int(g.key) if dimension == "week" else g.key)
    return tuple(
        Group(dimension, g.key, _label(dimension, g.key), None, g.metrics) for g in ordered
    )


def _label(dimension: str, key: str) -> str:
    return from_ms(int(key)).date().isoformat() if dimension == "week" else key


def _ms(moment: datetime) -> int:
    # datetime.timestamp() would read a naive value as local time; the store is UTC throughout.
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _where(
    source_column: Column[str],
    value: str | None,
) -> list[ColumnElement[bool]]:
    return [] if value is None else [source_column == value]


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


def _scores_by_source(conn: Connection, period: Period) -> dict[str, Counter[int]]:
    """{source: {score: answers}}, each response counted once at its latest version.

    The inbox's unique (source, response_id) constraint keeps one row per response, which
    ``store_response`` rewrites in place when a newer version arrives, so every row already is
    the latest version.
    """
    query = (
        select(inbox.c.source, inbox.c.score, func.count())
        .where(*period.on(inbox.c.submitted_ms, inbox.c.source))
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
