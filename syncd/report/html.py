"""The report as one self-contained HTML page: inline CSS, inline chart libraries, no fetches.

Charts are Vega-Lite specs (``charts``) drawn in the browser by the inlined Vega libraries as
SVG. The page fits a phone: charts take their container's width, wide tables scroll inside
their own box. Customer data (respondent emails, quarantined items that may quote them) and
staff emails appear only with ``personal=True``. Every piece of text that comes from data goes
through ``html.escape``; JSON inside the script is escaped so no value can end the element.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from syncd.clock import from_ms
from syncd.report.charts import CHARTS, chart_specs
from syncd.report.effect import EffectStats
from syncd.report.metrics import Group
from syncd.report.pipeline_sql import OUTBOX_STATUSES, PipelineHealth
from syncd.report.query import Report
from syncd.report.text import (
    LOOP_HEADERS,
    NONE,
    NPS_HEADERS,
    SLA_DEFINITION,
    format_time,
    group_name,
    humanize_ms,
    loop_cells,
    nps_cells,
    percent,
    signed,
)
from syncd.report.vega_js import vega_bundle

_STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:80rem;color:#222;
padding:0 .75rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}.muted{color:#666}
.cards{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr))}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem}
.card b{display:block;font-size:1.8rem}
.charts{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr))}
.chart{min-width:0;width:100%;border:1px solid #eee;border-radius:6px;padding:.5rem}
.chart>div{width:100%}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
"""


@dataclass(frozen=True, slots=True)
class Live:
    """How a served page refreshes: the data URL (with the page's query) and the interval."""

    data_url: str
    every_seconds: int = 30


def render_html(report: Report, *, personal: bool = False, live: Live | None = None) -> str:
    """The report as a complete HTML5 document."""
    title = f"syncd report, {format_time(report.generated_at)}"
    # Empty when there is nothing to draw yet; a live page fills them in when data arrives.
    charts = "".join(
        f'<div class="chart"><div id="chart-{name}" role="img" aria-label="{escape(t)}"></div>'
        "</div>"
        for name, t in CHARTS.items()
    )
    specs = chart_specs(report) if _has_data(report) else {}
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        f'<h1 id="title">{escape(title)}</h1>\n'
        f'<div id="summary">{summary_html(report, personal=personal)}</div>\n'
        f'<h2>Charts</h2><div class="charts">{charts}</div>\n'
        f'<div id="details">{details_html(report, personal=personal)}</div>\n'
        f"<script>{vega_bundle()}</script>\n"
        f"<script>{_embed_script(specs, live)}</script>\n"
        "</body></html>\n"
    )


def script_json(value: Any) -> str:
    """JSON safe to place inside a <script> element (no "<", ">" or "&" can close it)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _embed_script(specs: dict[str, Any], live: Live | None) -> str:
    draw = (
        "const draw=(specs)=>{for(const [name,spec] of Object.entries(specs)){"
        "vegaEmbed('#chart-'+name,spec,{renderer:'svg',actions:false})"
        ".catch((e)=>{document.getElementById('chart-'+name).textContent=String(e);});}};"
        f"draw({script_json(specs)});"
    )
    if live is None:
        return draw
    # Refresh in place: new numbers and charts, same page, scroll position kept.
    return draw + (
        "const refresh=async()=>{try{"
        f"const r=await fetch({script_json(live.data_url)},{{cache:'no-store'}});"
        "if(!r.ok)return;const d=await r.json();"
        "document.getElementById('title').textContent=d.title;"
        "document.getElementById('summary').innerHTML=d.summary;"
        "document.getElementById('details').innerHTML=d.details;"
        "draw(d.charts);}catch(e){}};"
        f"setInterval(refresh,{max(1, live.every_seconds) * 1000});"
    )


def _has_data(report: Report) -> bool:
    return report.overall.responses > 0 or report.nps.responses > 0


def summary_html(report: Report, *, personal: bool = False) -> str:
    """Scope line, headline cards and the backfill note."""
    del personal  # the headline holds no personal data
    scope = _scope(report)
    if not _has_data(report):
        return scope + "<p>no responses yet in this period</p>"
    m = report.overall
    cards = [
        ("NPS", signed(report.nps.score), f"{report.nps.responses} responses"),
        (
            "Closed within SLA",
            percent(m.sla_share),
            f"{m.sla_met} of {m.sla_counted}; target {percent(report.sla_target)}",
        ),
        ("Open backlog", str(m.open), f"{m.overdue} overdue"),
        ("Median time to close", humanize_ms(m.time_to_close.median_ms), f"{m.closed} closed"),
        ("Median time to task", humanize_ms(m.time_to_task.median_ms), f"{m.tasks} tasks"),
    ]
    html = "".join(
        f'<div class="card">{escape(name)}<b>{escape(value)}</b>'
        f'<span class="muted">{escape(note)}</span></div>'
        for name, value, note in cards
    )
    backfill = (
        f"{m.backfilled} answers backfilled (seen more than a day after they were given: their"
        f" SLA clock starts when syncd saw them); {m.too_old} too old for a task"
        " ([routing] max_task_age_days): contact updated, no task."
        f" {m.closed_without_outcome} of {m.closed} closures recorded no outcome;"
        f" {m.escalated} loops escalated when overdue; {m.throttled} answers throttled"
        f" (once_per_days) and {m.merged} merged into an open follow-up."
    )
    return (
        f'{scope}<div class="cards">{html}</div>\n'
        f'<p class="muted">{escape(SLA_DEFINITION)}.</p><p class="muted">{escape(backfill)}</p>'
    )


def details_html(report: Report, *, personal: bool = False) -> str:
    """The tables: NPS by source, loops per dimension, weeks, effectiveness, pipeline health."""
    parts: list[str] = []
    if _has_data(report):
        parts += _tables(report, personal)
    parts.append(_pipeline(report.pipeline, personal))
    return "\n".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table with every cell escaped, in a box that scrolls sideways on a phone."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    inner = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{inner}</div>'


def _scope(report: Report) -> str:
    since = format_time(report.since) if report.since else "the beginning"
    until = f" to {format_time(report.until)}" if report.until else ""
    source = report.source or "all sources"
    return f'<p class="muted">Answers from {escape(since)}{escape(until)}, {escape(source)}.</p>'


def _name(group: Group, personal: bool) -> str:
    return group_name(group) if personal else group.label


def _effect_cells(stats: EffectStats) -> list[str]:
    change = NONE if stats.median_change is None else f"{stats.median_change:+g}"
    return [str(stats.answers), str(stats.answered_again), percent(stats.moved_up_share), change]


def _tables(report: Report, personal: bool) -> list[str]:
    nps_rows = [[name, *nps_cells(n)] for name, n in report.nps_by_source.items()]
    nps_rows.append(["All sources", *nps_cells(report.nps)])
    parts = ["<h2>NPS by source</h2>", table(("Source", *NPS_HEADERS), nps_rows)]
    for dimension, groups in report.dimensions:
        rows = [[_name(g, personal), *loop_cells(g)] for g in groups]
        heading = "All loops" if dimension == "overall" else f"By {escape(dimension)}"
        parts += [f"<h2>{heading}</h2>", table((dimension, *LOOP_HEADERS), rows)]
    weeks = [[g.label, signed(g.metrics.nps.score), *loop_cells(g)[:6]] for g in report.weeks]
    parts += [
        "<h2>Per week</h2>",
        table(("Week", "NPS", *LOOP_HEADERS[:6]), weeks),
        "<h2>Loop effectiveness</h2>",
        '<p class="muted">Detractor and passive answers: closed = task completed before the '
        "respondent's next answer. Moved up = the next answer's category is higher.</p>",
    ]
    effect_rows = []
    for e in report.effect:
        label = "All loops" if e.dimension == "overall" else e.key
        if e.dimension == "owner":
            label = report.owner_label(e.key)
        effect_rows.append(
            [f"{e.dimension}: {label}", *_effect_cells(e.closed), *_effect_cells(e.not_closed)]
        )
    heads = ("answers", "answered again", "moved up", "median change")
    parts.append(
        table(
            ("Group", *(f"closed: {h}" for h in heads), *(f"not closed: {h}" for h in heads)),
            effect_rows,
        )
    )
    return parts


def _pipeline(health: PipelineHealth, personal: bool) -> str:
    outbox = [
        [kind, *(str(c.get(s, 0)) for s in OUTBOX_STATUSES)] for kind, c in health.outbox.items()
    ]
    reasons = [[code, str(n)] for code, n in health.quarantine_by_reason.items()]
    parts = [
        "<h2>Pipeline health</h2><h3>Outbox</h3>",
        table(("kind", *OUTBOX_STATUSES), outbox) if outbox else "<p>Outbox empty.</p>",
        "<h3>Quarantine (unresolved)</h3>",
        table(("reason code", "items"), reasons) if reasons else "<p>Nothing unresolved.</p>",
    ]
    if personal and health.recent_quarantine:
        recent = [
            [
                format_time(from_ms(q.created_ms)),
                q.source,
                q.response_id or NONE,
                q.stage,
                q.reason_code,
                q.reason,
            ]
            for q in health.recent_quarantine
        ]
        parts.append(table(("when", "source", "response", "stage", "code", "reason"), recent))
    return "\n".join(parts)
