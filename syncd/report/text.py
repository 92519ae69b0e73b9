"""The report as plain text for a terminal: headline numbers, then aligned tables."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime

from syncd.clock import from_ms
from syncd.report.metrics import Group, Nps
from syncd.report.pipeline_sql import OUTBOX_STATUSES, PipelineHealth
from syncd.report.query import Report

NONE = "—"
SLA_DEFINITION = (
    "closed within SLA = loops closed by their due time / loops with a due time that are "
    "closed or already past due (open loops still inside their SLA are not counted yet)"
)
LOOP_HEADERS = (
    "Responses",
    "Tasks",
    "Closed",
    "Open",
    "Overdue",
    "In SLA",
    "Task med",
    "Task p90",
    "Touch med",
    "Touch p90",
    "Close med",
    "Close p90",
)
NPS_HEADERS = ("NPS", "Responses", "Promoters", "Passives", "Detractors")
_UNITS = ((86_400, "d", 3_600, "h"), (3_600, "h", 60, "m"), (60, "m", 1, "s"))


def humanize_ms(ms: float | None) -> str:
    """A duration as its two largest units: "45s", "12m 5s", "3h 12m", "2d 4h"; "—" if none."""
    if ms is None:
        return NONE
    seconds = round(ms / 1000)
    for size, unit, sub_size, sub_unit in _UNITS:
        if seconds >= size:
            return f"{seconds // size}{unit} {seconds % size // sub_size}{sub_unit}"
    return f"{seconds}s"


def percent(share: float | None) -> str:
    """A share as a percentage, or the placeholder when there is none."""
    # One decimal, so 199 of 200 reads 99.5% rather than a misleading 100%.
    return NONE if share is None else f"{share * 100:.1f}%"


def signed(score: int | None) -> str:
    """An NPS with its sign (+12, -3, 0), or the placeholder when there is none."""
    return NONE if score is None else f"{score:+d}" if score else "0"


def one_line(text: str, limit: int = 80) -> str:
    """``text`` on one line and at most ``limit`` characters, so it cannot break a table."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_time(moment: datetime) -> str:
    """A time in UTC to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def group_name(group: Group) -> str:
    """A group's label, with the owner's email when it has one."""
    return f"{group.label} <{group.email}>" if group.email else group.label


def loop_cells(group: Group) -> list[str]:
    """The loop metrics of ``group`` in ``LOOP_HEADERS`` order, formatted for people."""
    m = group.metrics
    counts = [m.responses, m.tasks, m.closed, m.open, m.overdue]
    durations = [m.time_to_task, m.time_to_first_touch, m.time_to_close]
    times = [humanize_ms(t) for d in durations for t in (d.median_ms, d.p90_ms)]
    return [*map(str, counts), percent(m.sla_share), *times]


def nps_cells(nps: Nps) -> list[str]:
    """NPS, responses, promoters, passives and detractors as table cells."""
    counts = (nps.responses, nps.promoters, nps.passives, nps.detractors)
    return [signed(nps.score), *map(str, counts)]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> str:
    """Columns padded to their widest cell: the first ``left`` left-aligned, the rest right."""
    cells = [[_printable(c) for c in row] for row in (headers, *rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        padded = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _printable(cell: str) -> str:
    # Names come from CRMs and survey tools: a control character (an ANSI escape, a newline)
    # must neither drive the terminal nor break a table's alignment.
    return "".join(ch if ch.isprintable() else "?" for ch in cell)


def render_text(report: Report) -> str:
    """The whole report as terminal text ending in a newline."""
    parts = [_title(report)]
    if report.overall.responses == 0 and report.nps.responses == 0:
        parts.append("no responses yet")
    else:
        parts += [_headline(report), _nps_table(report)]
        parts += [_loop_table(name, groups) for name, groups in report.dimensions[1:]]
    parts.append(_pipeline(report.pipeline))
    return "\n\n".join(parts) + "\n"


def _title(report: Report) -> str:
    filters = [f"since {format_time(report.since)}" if report.since else "", report.source or ""]
    scope = ", ".join(f for f in filters if f)
    suffix = f" ({scope})" if scope else ""
    return f"syncd report, {format_time(report.generated_at)}{suffix}"


def _headline(report: Report) -> str:
    nps, m = report.nps, report.overall
    return "\n".join(
        [
            f"NPS: {signed(nps.score)} from {nps.responses} responses (promoters "
            f"{nps.promoters}, passives {nps.passives}, detractors {nps.detractors})",
            f"Closed within SLA: {percent(m.sla_share)} ({m.sla_met} of {m.sla_counted})",
            textwrap.fill(SLA_DEFINITION, 96, initial_indent="  ", subsequent_indent="  "),
            f"Open backlog: {m.open} ({m.overdue} overdue); loops: {m.responses} responses, "
            f"{m.tasks} with a task, {m.touched} touched, {m.closed} closed, "
            f"{m.reopened} reopened",
            f"Backfilled (SLA clock from first seen): {m.backfilled}; too old for a task "
            f"([routing] max_task_age_days): {m.too_old}",
            f"Closed without a recorded outcome: {m.closed_without_outcome} of {m.closed}; "
            f"escalated when overdue: {m.escalated}; no task of their own: {m.throttled} "
            f"throttled (once_per_days), {m.merged} merged into an open follow-up",
            *_effect_lines(report),
        ]
    )


def _effect_lines(report: Report) -> list[str]:
    overall = [e for e in report.effect if e.dimension == "overall"]
    if not overall:
        return []
    closed, other = overall[0].closed, overall[0].not_closed
    return [
        "Loop effectiveness (detractors and passives answering again): next answer moved up "
        f"for {percent(closed.moved_up_share)} of {closed.answered_again} whose loop closed, "
        f"{percent(other.moved_up_share)} of {other.answered_again} whose loop did not"
    ]


def _nps_table(report: Report) -> str:
    rows = [[name, *nps_cells(n)] for name, n in report.nps_by_source.items()]
    rows.append(["All sources", *nps_cells(report.nps)])
    return "NPS by source\n" + table(("Source", *NPS_HEADERS), rows)


def _loop_table(dimension: str, groups: Sequence[Group]) -> str:
    rows = [[group_name(g), *loop_cells(g)] for g in groups]
    return f"By {dimension}\n" + table((dimension.capitalize(), *LOOP_HEADERS), rows)


def _pipeline(health: PipelineHealth) -> str:
    parts = ["Pipeline health"]
    if health.outbox:
        rows = [
            [kind, *(str(c.get(s, 0)) for s in OUTBOX_STATUSES)]
            for kind, c in health.outbox.items()
        ]
        parts.append("Outbox\n" + table(("Kind", *OUTBOX_STATUSES), rows))
    else:
        parts.append("Outbox: empty")
    parts.append(_quarantine(health))
    return "\n\n".join(parts)


def _quarantine(health: PipelineHealth) -> str:
    if not health.quarantine_by_reason:
        return "Quarantine: nothing unresolved"
    counts = [[code, str(n)] for code, n in health.quarantine_by_reason.items()]
    recent = [
        [
            format_time(from_ms(q.created_ms)),
            q.source,
            q.response_id or NONE,
            q.stage,
            q.reason_code,
            one_line(q.reason),
        ]
        for q in health.recent_quarantine
    ]
    return (
        "Quarantine (unresolved)\n"
        + table(("Reason code", "Items"), counts)
        + "\n\nMost recent\n"
        + table(("When", "Source", "Response", "Stage", "Code", "Reason"), recent, left=6)
    )
