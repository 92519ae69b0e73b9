"""Outcomes of a whole deliver batch in a fixed number of statements, not a few per action.

Successes are completed together (``complete_all``). Failures that end an action (dead,
quarantined) are settled together too (``settle_all``): a batch whose contacts the CRM does not
have ends dozens of actions at once, and settling them one by one cost about seven statements
each (the update, the search for dependents, each dependent's skip).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, bindparam, select, update

from syncd.redact import stored_error
from syncd.store.outbox import Action, Status, complete, settle, skip_dependents
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
    landed = _landed(conn, {action.id: (action.claim, Status.DONE.value) for action, _ in done})
    for action, result in done:
        if action.id not in landed:
            complete(conn, action, result, now_ms)


#: One compiled statement for every batch; the same fence as ``settle``.
_SETTLE = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("b_id"),
        outbox.c.status == Status.IN_FLIGHT.value,
        outbox.c.claims == bindparam("b_claim"),
    )
    .values(
        status=bindparam("b_status"),
        attempts=outbox.c.attempts + 1,
        last_error=bindparam("b_error"),
        claimed_by=None,
        lease_until_ms=None,
        updated_ms=bindparam("b_now"),
    )
)


def settle_all(conn: Connection, ended: Sequence[tuple[Action, Status, str]], now_ms: int) -> None:
    """``settle`` for a batch: each action ends with its status and error, and everything
    waiting on it (transitively) is skipped with the reason. An action whose claim was taken
    over goes through ``settle`` alone, which refuses it."""
    if not ended:
        return
    conn.execute(
        _SETTLE,
        [
            {
                "b_id": action.id,
                "b_claim": action.claim,
                "b_status": status.value,
                "b_error": stored_error(error),
                "b_now": now_ms,
            }
            for action, status, error in ended
        ],
    )
    landed = _landed(conn, {action.id: (action.claim, status.value) for action, status, _ in ended})
    reasons: dict[str, str] = {}
    for action, status, error in ended:
        if action.id in landed:
            reasons[action.key] = f"{action.key} ended {status.value}: {error}"
        else:
            settle(conn, action, status, error, now_ms)
    skip_dependents(conn, reasons, now_ms)


def _landed(conn: Connection, wanted: Mapping[int, tuple[int, str]]) -> set[int]:
    """The ids whose row now holds the wanted (claim count, status): the executemany wrote
    them. The rest were taken over or rewritten meanwhile and go through the one-by-one path."""
    rows = conn.execute(
        select(outbox.c.id, outbox.c.status, outbox.c.claims).where(outbox.c.id.in_(wanted))
    )
    return {row.id for row in rows if (row.claims, row.status) == wanted[row.id]}
