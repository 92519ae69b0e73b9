"""Outcomes of a whole deliver batch in a fixed number of statements, not a few per action."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select, update

from syncd.store.outbox import Action, Status, complete
from syncd.store.schema import outbox

#: One compiled statement for every batch of successes; the same fence as ``complete``.
_COMPLETE = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("b_id"),
        outbox.c.status == Status.IN_FLIGHT.value,
        outbox.c.claims == bindparam("b_claim"),
        outbox.c.version == bindparam("b_version"),
    )
    .values(
        status=Status.DONE.value,
        attempts=outbox.c.attempts + 1,
        result=bindparam("b_result"),
        claimed_by=None,
        lease_until_ms=None,
        last_error=None,
        updated_ms=bindparam("b_now"),
    )
)


def complete_all(conn: Connection, done: Sequence[tuple[Action, str | None]], now_ms: int) -> None:
    """``complete`` for a batch: one executemany update and one read-back.

    A row is ours once done under our claim count (no other holder can complete it with that
    count); the few that are not (a newer version arrived, the claim was taken over) go through
    ``complete`` one by one, which requeues or refuses them.
    """
    if not done:
        return
    params = [
        {
            "b_id": action.id,
            "b_claim": action.claim,
            "b_version": action.version,
            "b_result": result,
            "b_now": now_ms,
        }
        for action, result in done
    ]
    conn.execute(_COMPLETE, params)
    claims = {action.id: action.claim for action, _ in done}
    landed = {
        row.id
        for row in conn.execute(
            select(outbox.c.id, outbox.c.status, outbox.c.claims).where(outbox.c.id.in_(claims))
        )
        if row.status == Status.DONE.value and row.claims == claims[row.id]
    }
    for action, result in done:
        if action.id not in landed:
            complete(conn, action, result, now_ms)
