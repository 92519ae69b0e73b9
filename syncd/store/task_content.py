"""A task's newest content as syncd last planned it: the last merge into it, else its create."""

from __future__ import annotations

from sqlalchemy import Connection, select

from syncd.actions import TaskCreate, TaskEdit
from syncd.store.action_codec import from_json
from syncd.store.outbox import ActionKind
from syncd.store.schema import outbox


def latest(
    conn: Connection, create_key: str, besides: str | None = None
) -> TaskCreate | TaskEdit | None:
    """The content of the task ``create_key`` makes, with every merge planned into it but the
    one keyed ``besides`` (a merge being planned again must not find its own earlier text)."""
    merged = conn.execute(
        select(outbox.c.kind, outbox.c.payload)
        .where(
            outbox.c.depends_on == create_key,
            outbox.c.kind == ActionKind.UPDATE_TASK.value,
            outbox.c.key != (besides or ""),
        )
        .order_by(outbox.c.id.desc())
        .limit(1)
    ).first()
    row = (
        merged
        or conn.execute(
            select(outbox.c.kind, outbox.c.payload).where(outbox.c.key == create_key)
        ).first()
    )
    if row is None:
        return None
    body = from_json(ActionKind(row.kind), row.payload)
    return body if isinstance(body, TaskCreate | TaskEdit) else None
