"""Claiming outbox actions: leases, their renewal by the heartbeat, and handing them back.

Every claim bumps the row's ``claims`` counter, the fencing token its outcome must present
(``outbox_outcomes``). A claim is not an attempt: ``attempts`` grows only with an outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    RowMapping,
    Select,
    String,
    and_,
    bindparam,
    select,
    update,
)
from sqlalchemy.sql.dml import Update

from syncd.store.action_codec import from_json
from syncd.store.batch_rows import BatchUpdate
from syncd.store.outbox_types import Action, ActionKind, Status
from syncd.store.readiness import dependency_done
from syncd.store.schema import outbox

__all__ = ["claim", "due_query", "release", "release_all", "renew"]


def claim(
    conn: Connection,
    crm: str,
    kind: ActionKind,
    holder: str,
    limit: int,
    now_ms: int,
    lease_ms: int,
) -> Sequence[Action]:
    """Lease up to ``limit`` due actions whose dependency is done (``SKIP LOCKED`` on PostgreSQL).

    Rows whose lease expired (a crashed replica) are due again. Claiming is not an attempt:
    ``attempts`` grows only when an outcome is recorded, so a crash loop that claims the same
    rows again and again does not use up their retries.
    """
    wanted = {"b_crm": crm, "b_kind": kind.value, "b_now": now_ms, "b_limit": limit}
    # Expired claims first (a crashed holder's rows are the oldest work), then due pending rows.
    ids = list(conn.execute(_EXPIRED, wanted).scalars().all())
    if len(ids) < limit:
        ids += conn.execute(_DUE, {**wanted, "b_limit": limit - len(ids)}).scalars().all()
    if not ids:
        return []
    # One statement leases the rows and reads them back.
    leased = _LEASE.execute(
        conn, [(id_,) for id_ in ids], b_holder=holder, b_until=now_ms + lease_ms, b_now=now_ms
    )
    rows = [] if leased is None else leased.all()
    return sorted((_action(row._mapping) for row in rows), key=lambda action: action.id)


#: Built once with bound values: a claim runs several times a round, and building (and keying)
#: these statements anew each time cost more than running them.
_DUE = (
    select(outbox.c.id)
    .where(
        outbox.c.crm == bindparam("b_crm", type_=String),
        outbox.c.kind == bindparam("b_kind", type_=String),
        outbox.c.status == Status.PENDING.value,
        outbox.c.next_attempt_ms <= bindparam("b_now", type_=BigInteger),
        dependency_done(),
    )
    .order_by(outbox.c.next_attempt_ms, outbox.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    .with_for_update(skip_locked=True)
)

#: In-flight rows whose lease ran out (their holder died); few, all in flight at once.
_EXPIRED = (
    select(outbox.c.id)
    .where(
        outbox.c.crm == bindparam("b_crm", type_=String),
        outbox.c.kind == bindparam("b_kind", type_=String),
        outbox.c.status == Status.IN_FLIGHT.value,
        outbox.c.lease_until_ms < bindparam("b_now", type_=BigInteger),
        dependency_done(),
    )
    .order_by(outbox.c.id)
    .limit(bindparam("b_limit", type_=Integer))
    .with_for_update(skip_locked=True)
)


def _lease(rows: FromClause) -> Update:
    """Lease the chosen rows and read them back (RETURNING: SQLite 3.35+, PostgreSQL)."""
    return (
        update(outbox)
        .where(outbox.c.id == rows.c.id)
        .values(
            status=Status.IN_FLIGHT.value,
            claimed_by=bindparam("b_holder", type_=String),
            lease_until_ms=bindparam("b_until", type_=BigInteger),
            claims=outbox.c.claims + 1,
            updated_ms=bindparam("b_now", type_=BigInteger),
        )
        .returning(*outbox.c)
    )


#: The ids are bound as one value (an array, a JSON list), not an ``IN`` list of up to 500: the
#: statement's text stays the same, so neither SQLAlchemy nor the driver parses it anew.
_LEASE = BatchUpdate({"id": Integer()}, _lease)


def due_query(crm: str, kind: ActionKind, now_ms: int, limit: int) -> Select[tuple[int]]:
    """Pending rows that are due, read in ``ix_outbox_due`` order: no sort, stops at ``limit``."""
    return _DUE.params(b_crm=crm, b_kind=kind.value, b_now=now_ms, b_limit=limit)


def _action(row: RowMapping) -> Action:
    return Action(
        id=row["id"],
        key=row["key"],
        kind=ActionKind(row["kind"]),
        source=row["source"],
        response_id=row["response_id"],
        version=row["version"],
        payload=from_json(ActionKind(row["kind"]), row["payload"]),
        attempts=row["attempts"] + 1,
        # Read back after the lease: ``claims`` already counts this claim.
        claim=row["claims"],
    )


def renew(conn: Connection, holder: str, lease_ms: int, now_ms: int) -> int:
    """Extend the lease of everything ``holder`` has in flight (heartbeat while a batch works)."""
    return conn.execute(
        update(outbox)
        .where(outbox.c.claimed_by == holder, outbox.c.status == Status.IN_FLIGHT.value)
        .values(lease_until_ms=now_ms + lease_ms)
    ).rowcount


def release(
    conn: Connection, holder: str, now_ms: int, kinds: Collection[ActionKind] | None = None
) -> int:
    """Hand back what ``holder`` has claimed (clean shutdown), or only its actions of ``kinds``
    (one delivery thread's, while another may be sending its own claims)."""
    whose = outbox.c.claimed_by == holder
    if kinds is not None:
        whose = and_(whose, outbox.c.kind.in_(sorted(kind.value for kind in kinds)))
    return _hand_back(conn, whose, now_ms)


def release_all(conn: Connection, now_ms: int) -> int:
    """Single-instance (SQLite) startup: whatever is in flight belonged to a dead process."""
    return _hand_back(conn, None, now_ms)


def _hand_back(conn: Connection, whose: ColumnElement[bool] | None, now_ms: int) -> int:
    """In-flight rows (``whose``, or all) back to pending, due now; no attempt is spent."""
    in_flight = outbox.c.status == Status.IN_FLIGHT.value
    return conn.execute(
        update(outbox)
        .where(in_flight if whose is None else and_(in_flight, whose))
        .values(
            status=Status.PENDING.value,
            claimed_by=None,
            lease_until_ms=None,
            next_attempt_ms=now_ms,
            updated_ms=now_ms,
        )
    ).rowcount
