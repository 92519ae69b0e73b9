"""The store's schema revision, read with plain SQLAlchemy.

Every command that opens the store compares it with ``HEAD``; only a store behind it needs
Alembic, which takes about 0.15 s of CPU to import.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

#: The newest migration in ``migrations/versions``: a new migration moves it (tests/store pins it).
HEAD = "0015"
#: Alembic's bookkeeping table: the revision the schema is at, one row on a migrated store.
VERSION_TABLE = "alembic_version"


def current_revision(connection: Connection) -> str | None:
    """The revision the schema is at, as Alembic records it; None on a store never migrated."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    return " ".join(rows) or None
