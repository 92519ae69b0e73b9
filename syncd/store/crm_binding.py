"""One store serves one CRM, on purpose.

The outbox key (``source:response_id:kind``) and the loop key (``source:response_id``) do not
name the CRM: an answer is synced to exactly one CRM, and its loop is closed there. Two CRMs
sharing a store would overwrite each other's actions and loops without a word. Rather than
widening every key, a store is bound to the CRM that first uses it: the first daemon records
its ``[crm] name`` and ``kind`` in ``store_meta``, and a daemon configured for another CRM is
refused at startup with a message naming both. The configuration has room for one ``[crm]``
table only (``config_loader`` rejects attempts at a second), so each CRM gets its own daemon
and its own store.

A store written before the binding existed is bound on the first start, unless its rows
already name another CRM.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, union

from syncd.store.engine import StoreUnavailable
from syncd.store.schema import loops, outbox, owners, store_meta
from syncd.store.upsert import insert_ignore

_NAME = "crm_name"
_KIND = "crm_kind"


@dataclass(frozen=True, slots=True)
class CrmIdentity:
    """A CRM as the configuration names it: ``[crm] name`` and ``kind``."""

    name: str
    kind: str | None

    def __str__(self) -> str:
        kind = f" (kind {self.kind!r})" if self.kind is not None else ""
        return f"{self.name!r}{kind}"


class StoreOfAnotherCrm(StoreUnavailable):
    """The store serves another CRM than the one this daemon is configured for."""


def bind_crm(conn: Connection, crm: CrmIdentity, now_ms: int) -> None:
    """Record ``crm`` as the store's CRM, or check it is the one recorded.

    ``StoreOfAnotherCrm`` when the store serves, or its rows name, another CRM.
    """
    served = _recorded(conn) or _named_by_rows(conn, crm.name)
    if served is None:
        for name, value in ((_NAME, crm.name), (_KIND, crm.kind or "")):
            insert_ignore(conn, store_meta, {"name": name, "value": value, "updated_ms": now_ms})
        # Another replica may have bound it first; what is recorded now is what counts.
        served = _recorded(conn)
    if served is not None and served != crm:
        raise StoreOfAnotherCrm(_refusal(served, crm))


def served_crm(conn: Connection) -> CrmIdentity | None:
    """The CRM the store is bound to; None before the first daemon started against it."""
    return _recorded(conn)


def _recorded(conn: Connection) -> CrmIdentity | None:
    rows = {row.name: row.value for row in conn.execute(select(store_meta))}
    if _NAME not in rows:
        return None
    return CrmIdentity(rows[_NAME], rows.get(_KIND) or None)


def _named_by_rows(conn: Connection, configured: str) -> CrmIdentity | None:
    """Another CRM that rows written before the binding existed name, if any."""
    names = union(
        select(outbox.c.crm).distinct(),
        select(loops.c.crm).distinct(),
        select(owners.c.crm).distinct(),
    )
    others = sorted(name for name in conn.execute(names).scalars() if name != configured)
    return CrmIdentity(others[0], None) if others else None


def _refusal(served: CrmIdentity, configured: CrmIdentity) -> str:
    return (
        f"this store serves CRM {served}, but [crm] configures {configured}; one store serves "
        f"one CRM, so their actions and loops never mix. Give this CRM a store of its own "
        f"([daemon] database_url or data_dir), or, if it is the same CRM, set [crm] name and "
        f"kind back to {served}"
    )
