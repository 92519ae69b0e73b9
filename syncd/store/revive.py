"""Bring ended outbox actions back to pending, with the actions skipped because of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, case, select, update

from syncd.store.outbox import Status
from syncd.store.readiness import dependency_done
from syncd.store.schema import outbox
from syncd.store.value_lists import one_of


def revive(conn: Connection, keys: Sequence[str], now_ms: int) -> list[str]:
    """Make ``keys`` and everything skipped because of them due now, with fresh attempts.

    A create that reached the CRM before it was given up is safe to send again: the CRM's
    create is idempotent on the action's key.
    """
    revived: list[str] = []
    wave = list(keys)
    while wave:
        _reset(conn, wave, now_ms)
        revived += wave
        wave = list(
            conn.execute(
                select(outbox.c.key).where(
                    one_of(outbox.c.depends_on, wave), outbox.c.status == Status.SKIPPED.value
                )
            ).scalars()
        )
    return revived


def _reset(conn: Connection, keys: Sequence[str], now_ms: int) -> None:
    conn.execute(
        update(outbox)
        .where(one_of(outbox.c.key, keys))
        .values(
            # A skipped dependent revived with its dependency waits for it again.
            status=case((dependency_done(), Status.PENDING.value), else_=Status.WAITING.value),
            attempts=0,
            next_attempt_ms=now_ms,
            claimed_by=None,
            lease_until_ms=None,
            updated_ms=now_ms,
        )
    )
