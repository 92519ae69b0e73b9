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
from datetime import UTC
from typing import Any, TextIO

from syncd.report.json_values import (
    COUNTS,
    DURATIONS,
    effect_json,
    flat,
    group_json,
    iso,
    nps_json,
    pipeline_json,
)
from syncd.report.metrics import overall_group
from syncd.report.query import Report
from syncd.report.rows import RESPONSE_COLUMNS
from syncd.report.text import SLA_DEFINITION

REPORT_VERSION = 2
GROUP_KEYS = ("key", "label", "email", "nps", *COUNTS, "sla_share", *DURATIONS)
_FLAT = (
    "nps",
    *COUNTS,
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
        "generated_at": iso(report.generated_at),
        "snapshot_date": report.generated_at.astimezone(UTC).date().isoformat(),
        "filters": {
            "since": iso(report.since),
            "until": iso(report.until),
            "source": report.source,
            "group_by": report.group_by,
        },
        "sla_definition": SLA_DEFINITION,
        "sla_target": report.sla_target,
        "nps": nps_json(report.nps),
        "nps_by_source": {name: nps_json(n) for name, n in report.nps_by_source.items()},
        "loops": {
            "overall": group_json(overall_group(report.overall)),
            **{name: [group_json(g) for g in gs] for name, gs in report.dimensions[1:]},
        },
        "weeks": [group_json(g) for g in report.weeks],
        "funnel": {
            "answered": m.responses,
            "task": m.tasks,
            "touched": m.touched,
            "closed": m.closed,
        },
        "effectiveness": [effect_json(report, e) for e in report.effect],
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
        "pipeline": pipeline_json(report.pipeline, personal),
    }


def write_csv(
    report: Report,
    out: TextIO,
    table: str = "groups",
    responses: Iterable[Mapping[str, Any]] | None = None,
) -> None:
    """Write one CSV table: ``groups``, ``weeks`` or ``responses`` (rows must be given)."""
    snapshot = iso(report.generated_at)
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
            values = flat(group_json(g))
            del values["key"], values["label"], values["email"]
            row = {"snapshot_at": snapshot, "week_start": g.label, **values}
            writer.writerow({**row, "sla_target": report.sla_target})
        return
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for dimension, groups in report.dimensions:
        for g in groups:
            values = flat(group_json(g))
            writer.writerow({"snapshot_at": snapshot, "dimension": dimension, **values})


def render_csv(report: Report, table: str = "groups") -> str:
    """``write_csv`` into a string (``groups`` or ``weeks``)."""
    buffer = io.StringIO()
    write_csv(report, buffer, table)
    return buffer.getvalue()
