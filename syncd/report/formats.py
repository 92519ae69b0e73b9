"""The report as JSON and CSV for other programs.

JSON (``render_json``), keys in this order; durations are seconds (float, rounded to the
millisecond), times ISO 8601 UTC, ``null`` where a value does not exist yet (no responses, no
closed loops):

- ``report_version``: 1, raised when a key changes meaning or disappears.
- ``generated_at``; ``filters``: ``{"since": time | null, "source": str | null}``.
- ``sla_definition``: the sentence defining ``sla_share``.
- ``nps``: ``{"score", "responses", "promoters", "passives", "detractors"}``; ``score`` is an
  integer in -100..100 or null. ``nps_by_source``: ``{source: nps}``.
- ``loops``: ``{"overall": group, "category": [group], "team": [group], "owner": [group]}``, a
  group being ``{"key", "label", "email", "responses", "tasks", "closed", "open", "overdue",
  "sla_met", "sla_counted", "sla_share", "time_to_task", "time_to_first_touch",
  "time_to_close"}`` and each ``time_to_*`` being ``{"count", "median_s", "p90_s"}``.
- ``pipeline``: ``{"outbox": {kind: {status: count}}, "quarantine": {"by_reason": {code:
  count}, "recent": [{"created_at", "source", "response_id", "stage", "reason_code",
  "reason"}]}}`` (unresolved quarantine only).

CSV (``render_csv``): one row per (dimension, group), dimensions ``overall``, ``category``,
``team``, ``owner``; columns ``CSV_COLUMNS``, the group keys above with each duration flattened
to ``<name>_count``, ``<name>_median_s``, ``<name>_p90_s``; empty cells where JSON has null.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from syncd.clock import from_ms
from syncd.report.metrics import DurationStats, Group, Nps, overall_group
from syncd.report.query import PipelineHealth, Report
from syncd.report.text import SLA_DEFINITION

REPORT_VERSION = 1
DURATIONS = ("time_to_task", "time_to_first_touch", "time_to_close")
_COUNTS = ("responses", "tasks", "closed", "open", "overdue", "sla_met", "sla_counted")
CSV_COLUMNS = (
    "dimension",
    "key",
    "label",
    "email",
    *_COUNTS,
    "sla_share",
    *(f"{d}_{part}" for d in DURATIONS for part in ("count", "median_s", "p90_s")),
)


def render_json(report: Report) -> str:
    """The report as an indented JSON document with the keys documented in this module."""
    document = {
        "report_version": REPORT_VERSION,
        "generated_at": _iso(report.generated_at),
        "filters": {"since": _iso(report.since), "source": report.source},
        "sla_definition": SLA_DEFINITION,
        "nps": _nps(report.nps),
        "nps_by_source": {name: _nps(n) for name, n in report.nps_by_source.items()},
        "loops": {
            "overall": _group(overall_group(report.overall)),
            **{name: [_group(g) for g in groups] for name, groups in report.dimensions[1:]},
        },
        "pipeline": _pipeline(report.pipeline),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_csv(report: Report) -> str:
    """One CSV row per (dimension, group) with every loop metric as a column."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for dimension, groups in report.dimensions:
        for group in groups:
            writer.writerow(_csv_row(dimension, group))
    return buffer.getvalue()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _seconds(ms: float | None) -> float | None:
    # Rounded to the millisecond the store keeps: interpolation adds only float noise below it.
    return None if ms is None else round(ms / 1000, 3)


def _nps(nps: Nps) -> dict[str, Any]:
    return {
        "score": nps.score,
        "responses": nps.responses,
        "promoters": nps.promoters,
        "passives": nps.passives,
        "detractors": nps.detractors,
    }


def _duration(stats: DurationStats) -> dict[str, Any]:
    return {
        "count": stats.count,
        "median_s": _seconds(stats.median_ms),
        "p90_s": _seconds(stats.p90_ms),
    }


def _group(group: Group) -> dict[str, Any]:
    m = group.metrics
    return {
        "key": group.key,
        "label": group.label,
        "email": group.email,
        **{name: getattr(m, name) for name in _COUNTS},
        "sla_share": m.sla_share,
        **{name: _duration(getattr(m, name)) for name in DURATIONS},
    }


def _csv_row(dimension: str, group: Group) -> dict[str, Any]:
    row: dict[str, Any] = {"dimension": dimension}
    for name, value in _group(group).items():
        if isinstance(value, dict):
            row.update({f"{name}_{part}": v for part, v in value.items()})
        else:
            row[name] = value
    # csv writes None as an empty cell, which is what "no value yet" should look like.
    return row


def _pipeline(health: PipelineHealth) -> dict[str, Any]:
    recent = [
        {
            "created_at": _iso(from_ms(q.created_ms)),
            "source": q.source,
            "response_id": q.response_id,
            "stage": q.stage,
            "reason_code": q.reason_code,
            "reason": q.reason,
        }
        for q in health.recent_quarantine
    ]
    return {
        "outbox": {kind: dict(counts) for kind, counts in health.outbox.items()},
        "quarantine": {"by_reason": dict(health.quarantine_by_reason), "recent": recent},
    }
