"""The store's schema revision, read and stamped with plain SQLAlchemy.

Every command that opens the store compares it with ``HEAD``; only a store behind it needs
Alembic, which takes about 0.15 s of CPU to import. A new store is stamped at ``HEAD`` here.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

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


def stamp_head(connection: Connection) -> None:
    """Create Alembic's version table as Alembic does and record ``HEAD`` in it.

    For a store created at ``HEAD`` in one step: Alembic reads it as any migrated store's
    (tests/store pins it), so a newer migration upgrades the store from there.
    """
    version = Table(
        VERSION_TABLE,
        MetaData(),  # not the store's metadata: Alembic owns this table
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    version.create(connection)
    connection.execute(version.insert().values(version_num=HEAD))
