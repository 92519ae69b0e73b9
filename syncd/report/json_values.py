"""The report's values as JSON-ready Python values, shared by the JSON and CSV exports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from syncd.clock import from_ms
from syncd.report.effect import Effect, EffectStats
from syncd.report.metrics import DurationStats, Group, Nps
from syncd.report.pipeline_sql import PipelineHealth
from syncd.report.query import Report

DURATIONS = ("time_to_task", "time_to_first_touch", "time_to_close")
COUNTS = (
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
    "throttled",
    "merged",
    "closed_without_outcome",
    "escalated",
    "sla_met",
    "sla_counted",
)


def group_json(group: Group) -> dict[str, Any]:
    """One group as a JSON object with ``GROUP_KEYS`` (owner emails are staff, not customers)."""
    m = group.metrics
    return {
        "key": group.key,
        "label": group.label,
        "email": group.email,
        "nps": m.nps.score,
        **{name: getattr(m, name) for name in COUNTS},
        "sla_share": m.sla_share,
        **{name: _duration(getattr(m, name)) for name in DURATIONS},
    }


def flat(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group's JSON with each duration spread into ``<name>_count/_median_s/_p90_s``."""
    row: dict[str, Any] = {}
    for name, value in group.items():
        if isinstance(value, dict):
            row.update({f"{name}_{part}": v for part, v in value.items()})
        else:
            row[name] = value
    # csv writes None as an empty cell, which is what "no value yet" should look like.
    return row


def iso(moment: datetime | None) -> str | None:
    """A time as ISO 8601 UTC (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _seconds(ms: float | None) -> float | None:
    # Rounded to the millisecond the store keeps: interpolation adds only float noise below it.
    return None if ms is None else round(ms / 1000, 3)


def nps_json(nps: Nps) -> dict[str, Any]:
    """NPS score and counts."""
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


def effect_json(report: Report, effect: Effect) -> dict[str, Any]:
    """One effectiveness group, labelled (owners by name)."""
    label = report.owner_label(effect.key) if effect.dimension == "owner" else effect.key
    return {
        "dimension": effect.dimension,
        "key": effect.key,
        "label": "All loops" if effect.dimension == "overall" else label,
        "closed": _effect_stats(effect.closed),
        "not_closed": _effect_stats(effect.not_closed),
    }


def pipeline_json(health: PipelineHealth, personal: bool) -> dict[str, Any]:
    """Outbox and quarantine counts; recent quarantined items (may quote customers) if personal."""
    recent = [
        {
            "created_at": iso(from_ms(q.created_ms)),
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
