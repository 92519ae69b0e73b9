"""Per-response rows for BI tools, streamed from the store a page at a time.

One row per loop (a response syncd planned), in answer order. Times are ISO 8601 UTC, durations
seconds; the respondent's email only when personal data is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from syncd.report.loop_sql import CLOCK, SEEN, c
from syncd.report.metrics import UNASSIGNED
from syncd.report.period import Period
from syncd.store.schema import loops, owners

#: Columns of a per-response row, in order.
RESPONSE_COLUMNS = (
    "source",
    "response_id",
    "survey",
    "score",
    "category",
    "email",
    "team",
    "rule",
    "priority",
    "owner_key",
    "owner_name",
    "answered_at",
    "seen_at",
    "sla_start_at",
    "backfilled",
    "no_task_reason",
    "task_created_at",
    "first_touch_at",
    "closed_at",
    "reopened_at",
    "outcome",
    "escalated_at",
    "due_at",
    "task_state",
    "closed_within_sla",
    "overdue",
    "time_to_task_s",
    "time_to_first_touch_s",
    "time_to_close_s",
)
_PAGE = 1_000


def response_rows(
    conn: Connection, period: Period, now_ms: int, *, personal: bool
) -> Iterator[dict[str, Any]]:
    """Every loop of ``period`` as a row of ``RESPONSE_COLUMNS``; memory: one page of rows."""
    query = (
        select(
            c.source,
            c.response_id,
            c.survey,
            c.score,
            c.category,
            c.email,
            c.team,
            c.rule,
            c.priority,
            c.crm,
            c.owner_id,
            owners.c.name.label("owner_name"),
            c.response_ms,
            SEEN.label("seen"),
            CLOCK.label("clock"),
            c.no_task_reason,
            c.task_id,
            c.task_created_ms,
            c.first_touch_ms,
            c.closed_ms,
            c.reopened_ms,
            c.outcome,
            c.escalated_ms,
            c.due_ms,
            c.task_state,
        )
        .select_from(loops.outerjoin(owners, (owners.c.crm == c.crm) & (owners.c.id == c.owner_id)))
        .where(*period.on(c.response_ms, c.source))
        .order_by(c.response_ms, c.source, c.response_id)
    )
    result = conn.execution_options(yield_per=_PAGE).execute(query)
    for row in result:
        yield _row(row._mapping, now_ms, personal)


def _row(r: Any, now_ms: int, personal: bool) -> dict[str, Any]:
    has_task = r["task_id"] is not None
    closed, due = r["closed_ms"], r["due_ms"]
    owner = f"{r['crm']}:{r['owner_id']}" if r["owner_id"] else UNASSIGNED
    return {
        "source": r["source"],
        "response_id": r["response_id"],
        "survey": r["survey"],
        "score": r["score"],
        "category": r["category"],
        "email": r["email"] if personal else None,
        "team": r["team"],
        "rule": r["rule"],
        "priority": r["priority"],
        "owner_key": owner if has_task else None,
        "owner_name": r["owner_name"] or (r["owner_id"] if has_task else None),
        "answered_at": iso(r["response_ms"]),
        "seen_at": iso(r["seen"]),
        "sla_start_at": iso(r["clock"]),
        "backfilled": r["clock"] > r["response_ms"],
        "no_task_reason": r["no_task_reason"],
        "task_created_at": iso(r["task_created_ms"]),
        "first_touch_at": iso(r["first_touch_ms"]),
        "closed_at": iso(closed),
        "reopened_at": iso(r["reopened_ms"]),
        "outcome": r["outcome"],
        "escalated_at": iso(r["escalated_ms"]),
        "due_at": iso(due),
        "task_state": r["task_state"],
        "closed_within_sla": None if closed is None or due is None else closed <= due,
        "overdue": has_task and closed is None and due is not None and due < now_ms,
        "time_to_task_s": _seconds(r["task_created_ms"], r["clock"]),
        "time_to_first_touch_s": _seconds(r["first_touch_ms"], r["clock"]),
        "time_to_close_s": _seconds(closed, r["clock"]),
    }


def iso(ms: int | None) -> str | None:
    """Epoch milliseconds as ISO 8601 UTC (None stays None)."""
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _seconds(stamp: int | None, start: int) -> float | None:
    # Clock skew between survey tool and CRM reads as 0, as in the aggregated durations.
    return None if stamp is None else max(0, stamp - start) / 1000
