"""Hand claimed actions back untouched when the account, not the action, is at fault."""

from __future__ import annotations

from sqlalchemy import Connection, update

from syncd.redact import stored_error
from syncd.store.outbox import Action, Status
from syncd.store.schema import outbox


def hold(conn: Connection, action: Action, error: str, now_ms: int) -> None:
    """Back to pending, due now, without counting an attempt.

    A blocked call (bad token, missing scope, unknown property) was refused before anything was
    processed, so it is not an attempt of this action: counting it would dead-letter good work
    while an admin fixes the account. Fenced like every outcome: only the current claim may.
    """
    conn.execute(
        update(outbox)
        .where(
            outbox.c.id == action.id,
            outbox.c.status == Status.IN_FLIGHT.value,
            outbox.c.claims == action.claim,
        )
        .values(
            status=Status.PENDING.value,
            next_attempt_ms=now_ms,
            last_error=stored_error(error),
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    )
