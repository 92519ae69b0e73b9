"""Small per-CRM key/value tables: round-robin positions and the digests of contact writes.

Both are written with an upsert (``INSERT ... ON CONFLICT DO UPDATE``) so concurrent replicas
never fail on each other's row; the last writer wins, which both uses tolerate.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from syncd.store.schema import contact_digests, owner_rotation
from syncd.store.value_lists import one_of


def rotation(conn: Connection, crm: str) -> dict[str, str]:
    """The owner id the last round-robin pick of each pool of ``crm`` went to."""
    rows = conn.execute(
        select(owner_rotation.c.pool, owner_rotation.c.owner_id).where(owner_rotation.c.crm == crm)
    )
    return {row.pool: row.owner_id for row in rows}


def set_rotation(conn: Connection, crm: str, pool: str, owner_id: str, now_ms: int) -> None:
    """Record that ``pool``'s latest round-robin pick went to ``owner_id``."""
    values = {"crm": crm, "pool": pool, "owner_id": owner_id, "updated_ms": now_ms}
    _upsert(conn, owner_rotation, values, ("owner_id", "updated_ms"))


def digests(conn: Connection, crm: str, contact_ids: Collection[str]) -> dict[str, str]:
    """The digest of the fields last written onto each of ``contact_ids`` that has one."""
    if not contact_ids:
        return {}
    table = contact_digests
    rows = conn.execute(
        select(table.c.contact_id, table.c.digest).where(
            table.c.crm == crm, one_of(table.c.contact_id, sorted(contact_ids))
        )
    )
    return {row.contact_id: row.digest for row in rows}


def set_digest(conn: Connection, crm: str, contact_id: str, digest: str, now_ms: int) -> None:
    """Record the digest of the fields just written onto ``contact_id``."""
    set_digests(conn, crm, {contact_id: digest}, now_ms)


def set_digests(conn: Connection, crm: str, digests: Mapping[str, str], now_ms: int) -> None:
    """Record the digests of the fields just written, by contact id: one statement a batch."""
    rows = [
        {"crm": crm, "contact_id": contact_id, "digest": digest, "updated_ms": now_ms}
        for contact_id, digest in digests.items()
    ]
    if rows:
        _upsert_many(conn, contact_digests, rows, ("digest", "updated_ms"))


def _upsert(
    conn: Connection, table: Table, values: Mapping[str, Any], update: tuple[str, ...]
) -> None:
    _upsert_many(conn, table, [values], update)


def _upsert_many(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], update: tuple[str, ...]
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: statement.excluded[name] for name in update},
    )
    conn.execute(statement, list(rows))
