"""Hand claimed actions back untouched when the account, not the action, is at fault."""

from __future__ import annotations

from sqlalchemy import Connection, update

from syncd.store.outbox import Action, Status
from syncd.store.schema import outbox


def hold(conn: Connection, action: Action, error: str, now_ms: int) -> None:
    """Back to pending, due now, with the claim's attempt given back.

    A blocked call (bad token, missing scope, unknown property) was refused before anything was
    processed, so it is not an attempt of this action: counting it would dead-letter good work
    while an admin fixes the account. The reconcile mark stays as it was before the claim.
    """
    conn.execute(
        update(outbox)
        .where(outbox.c.id == action.id, outbox.c.status == Status.IN_FLIGHT.value)
        .values(
            status=Status.PENDING.value,
            attempts=action.attempts - 1,
            needs_reconcile=action.needs_reconcile,
            next_attempt_ms=now_ms,
            last_error=error[:2000],
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    )
