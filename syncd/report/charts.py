"""The report's charts as Vega-Lite specifications, built with Altair.

Every chart fits its container's width (``width: "container"``), so a phone shows it whole, and
carries its numbers as text marks as well as in tooltips, so they read without hovering. The
specs embed their data: the page needs nothing but the inlined Vega libraries to draw them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from syncd.report.metrics import CATEGORY_ORDER
from syncd.report.query import Report
from syncd.report.shape_sql import AGE_BUCKETS, CLOSE_BUCKETS

#: Chart ids in page order, with their titles.
CHARTS: Mapping[str, str] = {
    "nps-trend": "NPS per week",
    "funnel": "Closure funnel",
    "sla-weekly": "Closed within SLA per week",
    "close-spread": "Time to close by category",
    "backlog-ageing": "Open backlog by owner and age",
    "overdue": "Overdue by owner",
    "effect": "Loop effectiveness: next answer moved up",
}
_HEIGHT = 220
Drawn = alt.Chart | alt.LayerChart | alt.FacetChart
_FUNNEL = ("answered", "task", "touched", "closed")


def chart_specs(report: Report) -> dict[str, dict[str, Any]]:
    """Every chart of ``report`` as a Vega-Lite spec (a JSON-ready dict), keyed by chart id."""
    built = {
        "nps-trend": _nps_trend(report),
        "funnel": _funnel(report),
        "sla-weekly": _sla_weekly(report),
        "close-spread": _close_spread(report),
        "backlog-ageing": _ageing(report),
        "overdue": _overdue(report),
        "effect": _effect(report),
    }
    return {
        name: chart.properties(width="container", title=CHARTS[name])
        .configure_view(stroke=None)
        .to_dict()
        for name, chart in built.items()
    }


def _data(rows: Sequence[Mapping[str, Any]]) -> alt.InlineData:
    return alt.InlineData(values=[dict(row) for row in rows])


def _nps_trend(report: Report) -> Drawn:
    rows = [
        {"week": g.label, "nps": g.metrics.nps.score, "responses": g.metrics.responses}
        for g in report.weeks
        if g.metrics.nps.score is not None
    ]
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("week:O", title="Week of the answer (Monday)"),
        y=alt.Y("nps:Q", title="NPS", scale=alt.Scale(domain=[-100, 100])),
        tooltip=["week:O", "nps:Q", "responses:Q"],
    )
    line = base.mark_line(point=True)
    labels = base.mark_text(dy=-10, fontSize=9).encode(text="nps:Q")
    return alt.layer(line, labels).properties(height=_HEIGHT)


def _funnel(report: Report) -> Drawn:
    m = report.overall
    counts = (m.responses, m.tasks, m.touched, m.closed)
    rows = [
        {"stage": s, "loops": n, "order": i}
        for i, (s, n) in enumerate(zip(_FUNNEL, counts, strict=True))
    ]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("stage:N", sort=list(_FUNNEL), title=None),
        x=alt.X("loops:Q", title="Loops", axis=alt.Axis(tickCount=4)),
        tooltip=["stage:N", "loops:Q"],
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=3).encode(text="loops:Q")
    return alt.layer(bars, labels).properties(height=160)


def _sla_weekly(report: Report) -> Drawn:
    rows = [
        {
            "week": g.label,
            "share": round(share * 100, 1),
            "counted": g.metrics.sla_counted,
        }
        for g in report.weeks
        if (share := g.metrics.sla_share) is not None
    ]
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("week:O", title="Week of the answer (Monday)"),
        y=alt.Y("share:Q", title="% closed within SLA", scale=alt.Scale(domain=[0, 100])),
        tooltip=["week:O", "share:Q", "counted:Q"],
    )
    bars = base.mark_bar(color="#54a24b")
    labels = base.mark_text(dy=-6, fontSize=9).encode(text="share:Q")
    target = (
        alt.Chart(_data([{"target": round(report.sla_target * 100, 1)}]))
        .mark_rule(color="#e45756", strokeDash=[6, 4], size=2)
        .encode(y="target:Q", tooltip=alt.Tooltip("target:Q", title="target %"))
    )
    return alt.layer(bars, labels, target).properties(height=_HEIGHT)


def _close_spread(report: Report) -> Drawn:
    rows = [{"category": b.key, "bucket": b.bucket, "loops": b.count} for b in report.close_spread]
    buckets = [label for label, _ in CLOSE_BUCKETS]
    chart: Drawn = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("bucket:N", sort=buckets, title="Time to close"),
            xOffset=alt.XOffset("category:N", sort=list(CATEGORY_ORDER)),
            y=alt.Y("loops:Q", title="Closed loops"),
            color=alt.Color(
                "category:N", sort=list(CATEGORY_ORDER), legend=alt.Legend(orient="top")
            ),
            tooltip=["category:N", "bucket:N", "loops:Q"],
        )
        .properties(height=_HEIGHT)
    )
    return chart


def _ageing(report: Report) -> Drawn:
    rows = [
        {"owner": report.owner_label(b.key), "age": b.bucket, "loops": b.count}
        for b in report.ageing
    ]
    ages = [label for label, _ in AGE_BUCKETS]
    owners = sorted({str(r["owner"]) for r in rows})
    chart: Drawn = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("owner:N", title=None, sort=owners),
            x=alt.X("sum(loops):Q", title="Open tasks"),
            color=alt.Color(
                "age:N",
                sort=ages,
                scale=alt.Scale(scheme="orangered"),
                legend=alt.Legend(orient="top", title="Age since SLA start"),
            ),
            order=alt.Order("age_rank:Q"),
            tooltip=["owner:N", "age:N", "loops:Q"],
        )
        .transform_calculate(age_rank=f"indexof({ages!r}, datum.age)")
        .properties(height=max(80, 28 * len(owners)))
    )
    return chart


def _overdue(report: Report) -> Drawn:
    rows = [
        {"owner": g.label, "overdue": g.metrics.overdue, "open": g.metrics.open}
        for g in report.by_owner
        if g.metrics.open
    ]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("owner:N", title=None, sort="-x"),
        x=alt.X("overdue:Q", title="Overdue open tasks"),
        tooltip=["owner:N", "overdue:Q", "open:Q"],
    )
    bars = base.mark_bar(color="#e45756")
    labels = base.mark_text(align="left", dx=3).encode(text="overdue:Q")
    return alt.layer(bars, labels).properties(height=max(80, 28 * len(rows)))


def _note(text: str) -> Drawn:
    # An empty chart draws bare axes and clips its title; a sentence says more.
    chart: Drawn = (
        alt.Chart(_data([{"note": text}]))
        .mark_text(fontSize=13, color="#666")
        .encode(text="note:N")
        .properties(height=60)
    )
    return chart


def _effect(report: Report) -> Drawn:
    rows = []
    for e in report.effect:
        if e.dimension == "owner":
            continue
        name = "All loops" if e.dimension == "overall" else f"team {e.key}"
        for kind, stats in (("closed", e.closed), ("not closed", e.not_closed)):
            share = stats.moved_up_share
            if share is None:
                continue
            rows.append(
                {
                    "group": name,
                    "loop": kind,
                    "moved_up": round(share * 100, 1),
                    "answered_again": stats.answered_again,
                    "median_change": stats.median_change,
                }
            )
    if not rows:
        return _note("No detractor or passive has answered again yet: the chart fills as they do.")
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("group:N", title=None),
        yOffset=alt.YOffset("loop:N", sort=["closed", "not closed"]),
        x=alt.X(
            "moved_up:Q", title="% whose next answer moved up", scale=alt.Scale(domain=[0, 100])
        ),
        tooltip=["group:N", "loop:N", "moved_up:Q", "answered_again:Q", "median_change:Q"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "loop:N",
            sort=["closed", "not closed"],
            scale=alt.Scale(range=["#54a24b", "#bab0ac"]),
            legend=alt.Legend(orient="top", title=None),
        )
    )
    labels = base.mark_text(align="left", dx=3).encode(text="moved_up:Q")
    groups = {str(r["group"]) for r in rows}
    return alt.layer(bars, labels).properties(height=max(80, 44 * len(groups)))
