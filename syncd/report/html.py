"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no assets.

Every piece of text that comes from data (team and owner names, reasons, sources) goes through
``html.escape``: a team called ``<script>`` must show up as text, never run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from syncd.clock import from_ms
from syncd.report.metrics import Group
from syncd.report.query import OUTBOX_STATUSES, PipelineHealth, Report
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
    one_line,
    percent,
    signed,
)

Row = tuple[str, Sequence[float | None]]
_COLOURS = ("#4c78a8", "#e45756")
_CLOSE = ("median", "p90")
_BAR, _GAP, _LABEL, _PLOT, _LEGEND = 16, 12, 190, 380, 26
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}.muted{color:#666}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:.75rem 1.25rem;min-width:9rem}
.card b{display:block;font-size:2rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
svg text{font:12px system-ui,sans-serif;fill:#222}
"""


def render_html(report: Report) -> str:
    """The report as a complete HTML5 document."""
    title = f"syncd report, {format_time(report.generated_at)}"
    body = [f"<h1>{escape(title)}</h1>", _scope(report)]
    if report.overall.responses == 0 and report.nps.responses == 0:
        body.append("<p>no responses yet</p>")
    else:
        body += [_headline(report), *_charts(report), *_tables(report)]
    body.append(_pipeline(report.pipeline))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def bar_chart(
    title: str, rows: Sequence[Row], series: Sequence[str], fmt: Callable[[float], str]
) -> str:
    """Horizontal bars, one cluster per row and one bar per series, scaled to the largest."""
    values = [v for _, row in rows for v in row if v is not None]
    if not values:
        return '<p class="muted">No data yet.</p>'
    top = max(values) or 1.0
    height = _LEGEND + len(rows) * (len(series) * _BAR + _GAP)
    width = _LABEL + _PLOT + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        *(_legend(i, name) for i, name in enumerate(series)),
    ]
    for i, (label, row) in enumerate(rows):
        parts.append(_cluster(_LEGEND + i * (len(series) * _BAR + _GAP), label, row, top, fmt))
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(index: int, name: str) -> str:
    x = _LABEL + index * 140
    return (
        f'<rect x="{x}" y="4" width="12" height="12" fill="{_COLOURS[index]}"/>'
        f'<text x="{x + 16}" y="14">{escape(name)}</text>'
    )


def _cluster(
    y: int, label: str, row: Sequence[float | None], top: float, fmt: Callable[[float], str]
) -> str:
    middle = y + len(row) * _BAR / 2 + 4
    # Long names are shortened on the chart; the table below the charts has them in full.
    parts = [
        f'<text x="{_LABEL - 8}" y="{middle:.0f}" text-anchor="end">'
        f"<title>{escape(label)}</title>{escape(one_line(label, 28))}</text>"
    ]
    for j, value in enumerate(row):
        width = 0.0 if value is None else _PLOT * value / top
        shown = NONE if value is None else fmt(value)
        bar_y = y + j * _BAR
        parts.append(
            f'<rect x="{_LABEL}" y="{bar_y}" width="{width:.1f}" height="{_BAR - 3}" '
            f'fill="{_COLOURS[j]}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{_LABEL + width + 4:.1f}" y="{bar_y + _BAR - 5}">{escape(shown)}</text>'
        )
    return "".join(parts)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table with every cell escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _scope(report: Report) -> str:
    since = format_time(report.since) if report.since else "the beginning"
    source = report.source or "all sources"
    return f'<p class="muted">Responses since {escape(since)}, {escape(source)}.</p>'


def _headline(report: Report) -> str:
    m = report.overall
    cards = [
        ("NPS", signed(report.nps.score), f"{report.nps.responses} responses"),
        ("Closed within SLA", percent(m.sla_share), f"{m.sla_met} of {m.sla_counted}"),
        ("Open backlog", str(m.open), f"{m.overdue} overdue"),
        ("Median time to close", humanize_ms(m.time_to_close.median_ms), f"{m.closed} closed"),
    ]
    html = "".join(
        f'<div class="card">{escape(name)}<b>{escape(value)}</b>'
        f'<span class="muted">{escape(note)}</span></div>'
        for name, value, note in cards
    )
    return f'<div class="cards">{html}</div>\n<p class="muted">{escape(SLA_DEFINITION)}.</p>'


def _close_rows(groups: Sequence[Group]) -> list[Row]:
    return [
        (g.label, (g.metrics.time_to_close.median_ms, g.metrics.time_to_close.p90_ms))
        for g in groups
    ]


def _charts(report: Report) -> list[str]:
    backlog: list[Row] = [
        (g.label, (float(g.metrics.open), float(g.metrics.overdue)))
        for g in report.by_owner
        if g.metrics.tasks
    ]

    def count(value: float) -> str:
        return f"{value:.0f}"

    charts: list[tuple[str, list[Row], tuple[str, str], Callable[[float], str]]] = [
        ("Time to close by category", _close_rows(report.by_category), _CLOSE, humanize_ms),
        ("Time to close by team", _close_rows(report.by_team), _CLOSE, humanize_ms),
        ("Backlog per owner", backlog, ("open", "overdue"), count),
    ]
    return [
        f"<h2>{escape(title)}</h2>\n" + bar_chart(title, rows, series, fmt)
        for title, rows, series, fmt in charts
    ]


def _tables(report: Report) -> list[str]:
    nps_rows = [[name, *nps_cells(n)] for name, n in report.nps_by_source.items()]
    nps_rows.append(["All sources", *nps_cells(report.nps)])
    parts = ["<h2>NPS by source</h2>", table(("Source", *NPS_HEADERS), nps_rows)]
    for dimension, groups in report.dimensions:
        rows = [[group_name(g), *loop_cells(g)] for g in groups]
        parts += [f"<h2>By {escape(dimension)}</h2>", table((dimension, *LOOP_HEADERS), rows)]
    return parts


def _pipeline(health: PipelineHealth) -> str:
    outbox = [
        [kind, *(str(c.get(s, 0)) for s in OUTBOX_STATUSES)] for kind, c in health.outbox.items()
    ]
    reasons = [[code, str(n)] for code, n in health.quarantine_by_reason.items()]
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
    return "\n".join(
        [
            "<h2>Pipeline health</h2><h3>Outbox</h3>",
            table(("kind", *OUTBOX_STATUSES), outbox) if outbox else "<p>Outbox empty.</p>",
            "<h3>Quarantine (unresolved)</h3>",
            table(("reason code", "items"), reasons) if reasons else "<p>Nothing unresolved.</p>",
            table(("when", "source", "response", "stage", "code", "reason"), recent)
            if recent
            else "",
        ]
    )
