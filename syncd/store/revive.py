"""Bring ended outbox actions back to pending, with the actions skipped because of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, case, select, update

from syncd.store.outbox import ActionKind, Status
from syncd.store.schema import outbox


def revive(conn: Connection, keys: Sequence[str], now_ms: int) -> list[str]:
    """Make ``keys`` and everything skipped because of them due now, with fresh attempts.

    A create is revived with ``needs_reconcile``: an earlier attempt may have reached the CRM
    before it was given up, so the CRM is searched for it before anything is sent again.
    """
    revived: list[str] = []
    wave = list(keys)
    while wave:
        _reset(conn, wave, now_ms)
        revived += wave
        wave = list(
            conn.execute(
                select(outbox.c.key).where(
                    outbox.c.depends_on.in_(wave), outbox.c.status == Status.SKIPPED.value
                )
            ).scalars()
        )
    return revived


def _reset(conn: Connection, keys: Sequence[str], now_ms: int) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.key.in_(keys))
        .values(
            status=Status.PENDING.value,
            attempts=0,
            next_attempt_ms=now_ms,
            needs_reconcile=case(
                (outbox.c.kind == ActionKind.CREATE_TASK.value, True), else_=False
            ),
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    )
