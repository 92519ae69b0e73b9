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

from sqlalchemy import Connection, func, select

from syncd.clock import from_ms, to_ms
from syncd.report import metrics
from syncd.report.effect import Effect, effectiveness
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
from syncd.report.pipeline_sql import (
    PipelineHealth,
    pipeline_health,
)
from syncd.report.shape_sql import Bucket, backlog_ageing, close_distribution
from syncd.store.schema import inbox, loops, owners

#: The share of loops that should close within their SLA, drawn on the weekly SLA chart.
DEFAULT_SLA_TARGET = 0.9


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
    # Each breakdown is read once; --group-by reuses the one already read.
    found = {d: metrics_by(conn, d, where, now_ms) for d in ("category", "team", "owner", "week")}
    if group_by is not None and group_by not in found:
        found[group_by] = metrics_by(conn, group_by, where, now_ms)
    by_owner = _by_owner(found["owner"], names)
    return Report(
        generated_at=now,
        since=since,
        source=source,
        overall=overall.metrics,
        by_category=_by_category(found["category"]),
        by_team=_by_team(found["team"]),
        by_owner=by_owner,
        nps=nps_from_scores(sum(per_source.values(), Counter[int]())),
        nps_by_source=MappingProxyType(
            {name: nps_from_scores(per_source[name]) for name in sorted(per_source)}
        ),
        pipeline=pipeline_health(conn, source),
        until=until,
        group_by=group_by,
        grouped=_grouped(group_by, found, names),
        weeks=_plain("week", found["week"]),
        effect=effectiveness(conn, period),
        ageing=backlog_ageing(conn, where, now_ms),
        close_spread=close_distribution(conn, where),
        sla_target=sla_target,
    )


def _grouped(
    group_by: str | None,
    found: Mapping[str, Sequence[GroupMetrics]],
    names: Mapping[tuple[str, str], OwnerName],
) -> tuple[Group, ...]:
    if group_by is None:
        return ()
    if group_by == "category":
        return _by_category(found[group_by])
    if group_by == "team":
        return _by_team(found[group_by])
    if group_by == "owner":
        return _by_owner(found[group_by], names)
    return _plain(group_by, found[group_by])


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
