"""A new store gets the declared schema in one step, stamped at ``HEAD``.

The usual Alembic practice for an empty database: create the tables from the metadata and record
the newest revision, instead of running every migration one by one. Both roads end with the same
schema (tests/store/test_migrations.py compares them on SQLite and PostgreSQL); the one step costs
a fraction of the other, and no Alembic import. A store with any table upgrades step by step.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect

from syncd.store.revision import stamp_head
from syncd.store.schema import metadata
from syncd.store.server_functions import create_server_functions


def create_if_new(connection: Connection) -> bool:
    """Create the schema at ``HEAD`` when the database has no table; False when it has one.

    Run it in a transaction of its own, first thing, holding the migration lock (PostgreSQL).
    On SQLite it begins that transaction itself, immediate: the tables, indexes and the stamp
    are written at once or not at all, and another process creating the store meanwhile waits.
    """
    if connection.dialect.name == "sqlite":
        # Python's sqlite3 opens no transaction for DDL on its own (each CREATE would commit by
        # itself); IMMEDIATE takes the write lock before the store is found empty.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    if inspect(connection).get_table_names():
        return False
    metadata.create_all(connection, checkfirst=False)
    create_server_functions(connection)
    stamp_head(connection)
    return True
