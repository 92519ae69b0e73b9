"""When an outbox action may go: a dependent ``waits`` until the action it depends on is done.

A task waits for its contact's sync, an edit for the create it edits. While a backfill's plan
runs ahead of delivery, hundreds of thousands of dependents wait at once. As pending rows they
sat in the claim's index in due order, and every claim that found fewer ready rows than its
limit walked past all of them, testing each one's dependency (0.66 s a claim at 194,000
waiting, growing with the backlog). As ``waiting`` rows they are outside the claim's range:
completing an action releases its dependents through ``ix_outbox_depends_on``, so a claim reads
only rows that may go.

The claim still tests each row's dependency, so a pending row whose dependency is not done
(an older store, a dependency sent again) is never sent early; it is only walked past.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, ColumnElement, Connection, and_, bindparam, exists, or_, update
from sqlalchemy.sql.dml import Update

from syncd.store.outbox_types import ActionKind, Status
from syncd.store.schema import outbox
from syncd.store.value_lists import one_of

__all__ = [
    "dependency_done",
    "release_dependents",
    "release_if_done",
    "release_stranded",
    "status_for",
]


def dependency_done() -> ColumnElement[bool]:
    """The row depends on nothing, or on an action that is done."""
    dependency = outbox.alias()
    return or_(
        outbox.c.depends_on.is_(None),
        exists().where(
            and_(dependency.c.key == outbox.c.depends_on, dependency.c.status == Status.DONE.value)
        ),
    )


def status_for(depends_on: str | None) -> Status:
    """A new row's status: a dependent waits until ``release_if_done`` or its dependency's
    completion releases it."""
    return Status.PENDING if depends_on is None else Status.WAITING


def release_dependents(conn: Connection, done: Collection[str], now_ms: int) -> None:
    """The actions waiting on ``done`` (keys just completed) may go."""
    if done:
        conn.execute(_released(one_of(outbox.c.depends_on, done)), {"b_now": now_ms})


def release_if_done(conn: Connection, keys: Collection[str], now_ms: int) -> None:
    """Release the waiting ``keys`` whose dependency is already done (a dependent planned after
    its dependency was delivered)."""
    if keys:
        conn.execute(_released(one_of(outbox.c.key, keys), dependency_done()), {"b_now": now_ms})


def release_stranded(conn: Connection, crm: str, now_ms: int) -> None:
    """Release every waiting action of ``crm`` whose dependency is done.

    A dependent planned while its dependency was being completed by another connection can
    miss both releases (each transaction saw the other's row as it was before); run once a
    pass, this lets it go at the latest one pass later. Reads waiting rows only, kind by kind,
    through ``ix_outbox_due``.
    """
    for kind in ActionKind:
        conn.execute(
            _released(outbox.c.crm == crm, outbox.c.kind == kind.value, dependency_done()),
            {"b_now": now_ms},
        )


def _released(*where: ColumnElement[bool]) -> Update:
    return (
        update(outbox)
        .where(outbox.c.status == Status.WAITING.value, *where)
        .values(status=Status.PENDING.value, updated_ms=bindparam("b_now", type_=BigInteger))
    )
