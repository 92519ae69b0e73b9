"""Outcomes of a whole deliver batch in a fixed number of statements, not a few per action.

Successes are completed together (``complete_all``). Failures that end an action (dead,
quarantined) are settled together too (``settle_all``): a batch whose contacts the CRM does not
have ends dozens of actions at once, and settling them one by one cost about seven statements
each (the update, the search for dependents, each dependent's skip).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    String,
    Text,
    bindparam,
    update,
)
from sqlalchemy.sql.dml import Update

from syncd.redact import stored_error
from syncd.store.batch_rows import BatchUpdate
from syncd.store.outbox import Action, Status, complete, settle, skip_dependents
from syncd.store.readiness import release_dependents
from syncd.store.schema import outbox


def _leaving_flight(rows: FromClause, *fence: ColumnElement[bool], **values: Any) -> Update:
    """A batch's rows leave ``in_flight`` under their claim count (and ``fence``), with
    ``values``; returns the rows it wrote."""
    return (
        update(outbox)
        .where(
            outbox.c.id == rows.c.id,
            outbox.c.status == Status.IN_FLIGHT.value,
            outbox.c.claims == rows.c.claim,
            *fence,
        )
        .values(
            attempts=outbox.c.attempts + 1,
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=bindparam("b_now", type_=BigInteger),
            **values,
        )
        .returning(outbox.c.id)
    )


def _complete(rows: FromClause) -> Update:
    """Every success of a batch; the same fence as ``complete``."""
    return _leaving_flight(
        rows,
        outbox.c.version == rows.c.version,
        status=Status.DONE.value,
        result=rows.c.result,
        last_error=None,
    )


#: A row is written once (it leaves ``in_flight``): the first of a repeated id is the one kept.
_COMPLETE = BatchUpdate(
    {"id": Integer(), "claim": Integer(), "version": BigInteger(), "result": String()},
    _complete,
    first_wins=True,
)


def complete_all(conn: Connection, done: Sequence[tuple[Action, str | None]], now_ms: int) -> None:
    """``complete`` for a batch: one update that returns the rows it wrote.

    A row is ours once done under our claim count (no other holder can complete it with that
    count); the few that are not (a newer version arrived, the claim was taken over) go through
    ``complete`` one by one, which requeues or refuses them.
    """
    if not done:
        return
    rows = [(action.id, action.claim, action.version, result) for action, result in done]
    landed = _landed(_COMPLETE, conn, rows, now_ms)
    release_dependents(conn, [action.key for action, _ in done if action.id in landed], now_ms)
    for action, result in done:
        if action.id not in landed:
            complete(conn, action, result, now_ms)


def _settle(rows: FromClause) -> Update:
    """Every ending of a batch; the same fence as ``settle``."""
    return _leaving_flight(rows, status=rows.c.status, last_error=rows.c.error)


_SETTLE = BatchUpdate(
    {"id": Integer(), "claim": Integer(), "status": String(), "error": Text()},
    _settle,
    first_wins=True,
)


def settle_all(conn: Connection, ended: Sequence[tuple[Action, Status, str]], now_ms: int) -> None:
    """``settle`` for a batch: each action ends with its status and error, and everything
    waiting on it (transitively) is skipped with the reason. An action whose claim was taken
    over goes through ``settle`` alone, which refuses it."""
    if not ended:
        return
    rows = [
        (action.id, action.claim, status.value, stored_error(error))
        for action, status, error in ended
    ]
    landed = _landed(_SETTLE, conn, rows, now_ms)
    reasons: dict[str, str] = {}
    for action, status, error in ended:
        if action.id in landed:
            reasons[action.key] = f"{action.key} ended {status.value}: {error}"
        else:
            settle(conn, action, status, error, now_ms)
    skip_dependents(conn, reasons, now_ms)


def _landed(
    statement: BatchUpdate, conn: Connection, rows: Sequence[tuple[object, ...]], now_ms: int
) -> set[int]:
    """Run ``statement`` and return the ids it wrote (RETURNING). The rest were taken over or
    rewritten meanwhile and go through the one-by-one path."""
    result = statement.execute(conn, rows, b_now=now_ms)
    return set() if result is None else set(result.scalars())
