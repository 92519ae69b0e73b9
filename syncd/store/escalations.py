"""Overdue loops waiting for escalation, and the record that one was escalated (once)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, select, tuple_, update

from syncd.model import ResponseKey
from syncd.store.schema import loops
from syncd.store.value_lists import one_of

#: Loops read per query; the stage walks every candidate page by page.
PAGE = 500


@dataclass(frozen=True, slots=True)
class Overdue:
    """An open loop past its due time that has not been escalated."""

    key: ResponseKey
    rule: str
    due_ms: int
    task_id: str
    priority: str | None


def overdue(
    conn: Connection, crm: str, rules: Collection[str], due_by_ms: int
) -> Iterator[Overdue]:
    """Open, never escalated loops of ``rules`` with a task due at or before ``due_by_ms``.

    Served by ``ix_loops_overdue`` (crm, escalated_ms, closed_ms, due_ms, source, response_id)
    in its own order; pages are keyed on (due_ms, source, response_id), so a long list costs
    one range read per page and no sort.
    """
    if not rules:
        return
    after: tuple[int, str, str] | None = None
    while True:
        query = overdue_query(crm, rules, due_by_ms, after)
        rows = conn.execute(query).all()
        for row in rows:
            yield Overdue(
                ResponseKey(row.source, row.response_id),
                row.rule,
                row.due_ms,
                row.task_id,
                row.priority,
            )
        if len(rows) < PAGE:
            return
        last = rows[-1]
        after = (last.due_ms, last.source, last.response_id)


def overdue_query(
    crm: str, rules: Collection[str], due_by_ms: int, after: tuple[int, str, str] | None = None
) -> Select[Any]:
    """One page of ``overdue``, after the (due_ms, source, response_id) ``after``."""
    query = (
        select(
            loops.c.source,
            loops.c.response_id,
            loops.c.rule,
            loops.c.due_ms,
            loops.c.task_id,
            loops.c.priority,
        )
        .where(
            loops.c.crm == crm,
            loops.c.escalated_ms.is_(None),
            loops.c.closed_ms.is_(None),
            loops.c.due_ms <= due_by_ms,
            loops.c.task_id.is_not(None),
            one_of(loops.c.rule, sorted(rules)),
        )
        .order_by(loops.c.due_ms, loops.c.source, loops.c.response_id)
        .limit(PAGE)
    )
    if after is not None:
        query = query.where(
            tuple_(loops.c.due_ms, loops.c.source, loops.c.response_id) > tuple_(*after)
        )
    return query


def mark(conn: Connection, key: ResponseKey, kind: str, now_ms: int) -> bool:
    """Record the escalation; False when the loop was escalated already (another replica)."""
    result = conn.execute(
        update(loops)
        .where(
            loops.c.source == key.source,
            loops.c.response_id == key.response_id,
            loops.c.escalated_ms.is_(None),
        )
        .values(escalated_ms=now_ms, escalation=kind, updated_ms=now_ms)
    )
    return result.rowcount == 1
