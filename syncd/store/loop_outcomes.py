"""What closed loops achieved: closures per outcome, and those closed with none.

A loop's ``outcome`` is the CRM's outcome field on the completed task (``[crm.fields]
task_outcome``), or ``"note"`` when no field is configured and the owner changed the task's
description; None means the task was completed with nothing to show for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, func, select

from syncd.store.schema import loops

#: Loop columns closures may be grouped by.
OutcomeGroup = Literal["category", "team", "owner_id", "rule", "source", "survey", "crm"]


@dataclass(slots=True)
class ClosureOutcomes:
    """Closures of one group: how many, how many with no outcome, and the count per outcome."""

    closed: int = 0
    without_outcome: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def with_outcome(self) -> int:
        """Closures that recorded an outcome."""
        return self.closed - self.without_outcome


def closure_outcomes(
    conn: Connection,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    group_by: OutcomeGroup | None = None,
) -> dict[str | None, ClosureOutcomes]:
    """Loops closed in ``[since_ms, until_ms)`` (CRM completion time), per group (the key None
    when not grouped, or for loops without a value in the group's column), counted by outcome."""
    group = loops.c[group_by] if group_by is not None else None
    columns = [loops.c.outcome, func.count()]
    query = select(*columns, *([group] if group is not None else [])).where(
        loops.c.closed_ms.is_not(None)
    )
    if since_ms is not None:
        query = query.where(loops.c.closed_ms >= since_ms)
    if until_ms is not None:
        query = query.where(loops.c.closed_ms < until_ms)
    query = query.group_by(loops.c.outcome, *([group] if group is not None else []))
    found: dict[str | None, ClosureOutcomes] = {}
    for row in conn.execute(query):
        key = row[2] if group is not None else None
        counts = found.setdefault(None if key is None else str(key), ClosureOutcomes())
        outcome, count = row[0], int(row[1])
        counts.closed += count
        if outcome is None:
            counts.without_outcome += count
        else:
            counts.by_outcome[outcome] = counts.by_outcome.get(outcome, 0) + count
    return found
