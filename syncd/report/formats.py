"""The report as JSON and CSV for other programs and BI tools.

JSON (``write_json``/``render_json``), keys in this order; durations are seconds (float,
rounded to the millisecond), times ISO 8601 UTC, ``null`` where a value does not exist yet:

- ``report_version``: 2, raised when a key changes meaning or disappears.
- ``generated_at``, ``snapshot_date`` (the UTC date of ``generated_at``); ``filters``:
  ``{"since", "until", "source", "group_by"}``.
- ``sla_definition``, ``sla_target`` (share, 0..1).
- ``nps``: ``{"score", "responses", "promoters", "passives", "detractors"}`` over every valid
  answer in the inbox; ``nps_by_source``: ``{source: nps}``.
- ``loops``: ``{"overall": group, <dimension>: [group]}``, the dimensions being category, team
  and owner, or the one ``--group-by`` names. A group is ``GROUP_KEYS`` with each duration
  ``{"count", "median_s", "p90_s"}``.
- ``weeks``: one group per week of the answer (``key``: the Monday, ``label``: its date).
- ``funnel``: ``{"answered", "task", "touched", "closed"}``.
- ``effectiveness``: ``[{"dimension", "key", "label", "closed": stats, "not_closed": stats}]``
  with stats ``{"answers", "answered_again", "moved_up", "moved_up_share", "median_change"}``.
- ``backlog_ageing`` (owner key, label, bucket, count) and ``close_distribution`` (category,
  bucket, count).
- ``pipeline``: outbox counts and unresolved quarantine counts; the most recent quarantined
  items only with personal data.
- ``responses``: per-response rows (``rows.RESPONSE_COLUMNS``), only when asked for.

CSV (``write_csv``): ``table`` ``groups`` (one row per dimension and group, ``CSV_COLUMNS``),
``weeks`` (``WEEK_COLUMNS``) or ``responses`` (``snapshot_at`` + ``RESPONSE_COLUMNS``); every
row carries ``snapshot_at``; empty cells where JSON has null.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from syncd.clock import from_ms
from syncd.report.effect import Effect, EffectStats
from syncd.report.metrics import DurationStats, Group, Nps, overall_group
from syncd.report.query import PipelineHealth, Report
from syncd.report.rows import RESPONSE_COLUMNS
from syncd.report.text import SLA_DEFINITION

REPORT_VERSION = 2
DURATIONS = ("time_to_task", "time_to_first_touch", "time_to_close")
_COUNTS = (
    "responses",
    "promoters",
    "passives",
    "detractors",
    "tasks",
    "touched",
    "closed",
    "open",
    "overdue",
    "reopened",
    "backfilled",
    "too_old",
    "sla_met",
    "sla_counted",
)
GROUP_KEYS = ("key", "label", "email", "nps", *_COUNTS, "sla_share", *DURATIONS)
_FLAT = (
    "nps",
    *_COUNTS,
    "sla_share",
    *(f"{d}_{part}" for d in DURATIONS for part in ("count", "median_s", "p90_s")),
)
CSV_COLUMNS = ("snapshot_at", "dimension", "key", "label", "email", *_FLAT)
WEEK_COLUMNS = ("snapshot_at", "week_start", *_FLAT, "sla_target")
TABLES = ("groups", "weeks", "responses")


def render_json(report: Report, *, personal: bool = False) -> str:
    """The report as an indented JSON document, without per-response rows."""
    buffer = io.StringIO()
    write_json(report, buffer, personal=personal)
    return buffer.getvalue()


def write_json(
    report: Report,
    out: TextIO,
    *,
    personal: bool = False,
    responses: Iterable[Mapping[str, Any]] | None = None,
) -> None:
    """Write the JSON document; ``responses`` rows are streamed one by one when given."""
    document = json_document(report, personal=personal)
    if responses is None:
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    head = json.dumps(document, indent=2, ensure_ascii=False)
    out.write(head[:-2] + ',\n  "responses": [')
    for n, row in enumerate(responses):
        out.write(("," if n else "") + "\n    " + json.dumps(row, ensure_ascii=False))
    out.write("\n  ]\n}\n")


def json_document(report: Report, *, personal: bool = False) -> dict[str, Any]:
    """The JSON document as Python values (the dashboard's data)."""
    m = report.overall
    return {
        "report_version": REPORT_VERSION,
        "generated_at": _iso(report.generated_at),
        "snapshot_date": report.generated_at.astimezone(UTC).date().isoformat(),
        "filters": {
            "since": _iso(report.since),
            "until": _iso(report.until),
            "source": report.source,
            "group_by": report.group_by,
        },
        "sla_definition": SLA_DEFINITION,
        "sla_target": report.sla_target,
        "nps": _nps(report.nps),
        "nps_by_source": {name: _nps(n) for name, n in report.nps_by_source.items()},
        "loops": {
            "overall": group_json(overall_group(report.overall), personal),
            **{name: [group_json(g, personal) for g in gs] for name, gs in report.dimensions[1:]},
        },
        "weeks": [group_json(g, personal) for g in report.weeks],
        "funnel": {
            "answered": m.responses,
            "task": m.tasks,
            "touched": m.touched,
            "closed": m.closed,
        },
        "effectiveness": [_effect(report, e) for e in report.effect],
        "backlog_ageing": [
            {
                "owner": b.key,
                "label": report.owner_label(b.key),
                "bucket": b.bucket,
                "count": b.count,
            }
            for b in report.ageing
        ],
        "close_distribution": [
            {"category": b.key, "bucket": b.bucket, "count": b.count} for b in report.close_spread
        ],
        "pipeline": _pipeline(report.pipeline, personal),
    }


def write_csv(
    report: Report,
    out: TextIO,
    table: str = "groups",
    responses: Iterable[Mapping[str, Any]] | None = None,
) -> None:
    """Write one CSV table: ``groups``, ``weeks`` or ``responses`` (rows must be given)."""
    snapshot = _iso(report.generated_at)
    if table == "responses":
        writer = csv.DictWriter(out, ("snapshot_at", *RESPONSE_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for row in responses or ():
            writer.writerow({"snapshot_at": snapshot, **row})
        return
    if table == "weeks":
        writer = csv.DictWriter(out, WEEK_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for g in report.weeks:
            flat = _flat(group_json(g, False))
            writer.writerow(
                {
                    "snapshot_at": snapshot,
                    "week_start": g.label,
                    **flat,
                    "sla_target": report.sla_target,
                }
            )
        return
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for dimension, groups in report.dimensions:
        for g in groups:
            flat = _flat(group_json(g, True))
            writer.writerow({"snapshot_at": snapshot, "dimension": dimension, **flat})


def render_csv(report: Report, table: str = "groups") -> str:
    """``write_csv`` into a string (``groups`` or ``weeks``)."""
    buffer = io.StringIO()
    write_csv(report, buffer, table)
    return buffer.getvalue()


def group_json(group: Group, personal: bool) -> dict[str, Any]:
    """One group as a JSON object with ``GROUP_KEYS``; owner emails are staff, always shown."""
    m = group.metrics
    del personal  # groups hold no customer data; kept for a uniform call
    return {
        "key": group.key,
        "label": group.label,
        "email": group.email,
        "nps": m.nps.score,
        **{name: getattr(m, name) for name in _COUNTS},
        "sla_share": m.sla_share,
        **{name: _duration(getattr(m, name)) for name in DURATIONS},
    }


def _flat(group: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in group.items():
        if isinstance(value, dict):
            row.update({f"{name}_{part}": v for part, v in value.items()})
        else:
            row[name] = value
    # csv writes None as an empty cell, which is what "no value yet" should look like.
    return row


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


def _effect_stats(stats: EffectStats) -> dict[str, Any]:
    return {
        "answers": stats.answers,
        "answered_again": stats.answered_again,
        "moved_up": stats.moved_up,
        "moved_up_share": stats.moved_up_share,
        "median_change": stats.median_change,
    }


def _effect(report: Report, effect: Effect) -> dict[str, Any]:
    label = report.owner_label(effect.key) if effect.dimension == "owner" else effect.key
    return {
        "dimension": effect.dimension,
        "key": effect.key,
        "label": "All loops" if effect.dimension == "overall" else label,
        "closed": _effect_stats(effect.closed),
        "not_closed": _effect_stats(effect.not_closed),
    }


def _pipeline(health: PipelineHealth, personal: bool) -> dict[str, Any]:
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
    quarantine: dict[str, Any] = {"by_reason": dict(health.quarantine_by_reason)}
    if personal:
        quarantine["recent"] = recent
    return {
        "outbox": {kind: dict(counts) for kind, counts in health.outbox.items()},
        "quarantine": quarantine,
    }
