"""Leases: one replica at a time polls a source or tracks a CRM; a dead one's lease expires.

Holders are stable instance ids, so a restarted instance finds its own lease and takes it back at
once (``acquire`` renews a lease its holder already has); a live holder keeps its leases with
``renew`` while it works, and ``release`` hands them over on a clean stop.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, or_, update

from syncd.store.schema import leases
from syncd.store.upsert import insert_ignore


def acquire(conn: Connection, name: str, holder: str, ttl_ms: int, now_ms: int) -> bool:
    """Take or renew ``name`` for ``ttl_ms``; False while another live holder has it."""
    expires = now_ms + ttl_ms
    if insert_ignore(conn, leases, {"name": name, "holder": holder, "expires_ms": expires}):
        return True
    renewed = conn.execute(
        update(leases)
        .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires_ms < now_ms))
        .values(holder=holder, expires_ms=expires)
    )
    return renewed.rowcount == 1


def renew(conn: Connection, holder: str, ttl_ms: int, now_ms: int) -> int:
    """Push every lease ``holder`` has to ``now + ttl``; the number of leases renewed."""
    statement = update(leases).where(leases.c.holder == holder).values(expires_ms=now_ms + ttl_ms)
    return conn.execute(statement).rowcount


def release(conn: Connection, holder: str) -> None:
    """Give up every lease ``holder`` has (clean shutdown)."""
    conn.execute(delete(leases).where(leases.c.holder == holder))


def release_all(conn: Connection) -> None:
    """Drop every lease (single-instance recovery)."""
    conn.execute(delete(leases))
