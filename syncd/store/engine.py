"""Open the store: an SQLAlchemy engine for SQLite (default) or PostgreSQL, migrated to head."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from syncd.errors import SyncdError
from syncd.store.new_store import create_if_new
from syncd.store.revision import HEAD, current_revision

if TYPE_CHECKING:
    from alembic.config import Config

#: Any constant works; it only has to be the same for every replica.
_MIGRATION_LOCK_ID = 72_114_001
#: Seconds one connection attempt to PostgreSQL may take (a host that drops packets).
_CONNECT_TIMEOUT = 10
#: Rows per statement when SQLAlchemy turns a many-row INSERT ... RETURNING into multi-row
#: INSERTs on SQLite (its default is 1,000). Python's sqlite3 keeps the last 128 statement texts
#: it prepared on each connection, and a prepared INSERT into the outbox holds about 1.6 kB per
#: row: at 1,000 rows, every batch's differently sized tail was one more cached statement of up
#: to 1.6 MB, so the process grew batch after batch (58 MB of statements after 60 batches into
#: the outbox). At 100 rows the same batches leave 7 MB, at the same CPU cost. The rest of a batch
#: goes in pages of a power of two (``few_sized_chunks``), so a table has a few texts in all.
SQLITE_ROWS_PER_INSERT = 100


def open_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and a busy timeout so readers never block the daemon."""
    try:
        return _engine(url)
    except ArgumentError as error:
        shown = url.rsplit("@", maxsplit=1)[-1][:120]  # never the credentials
        raise StoreUnavailable(
            f"[daemon] database_url ...{shown} is not a usable database URL ({error}); "
            "use sqlite:///path/to/syncd.db or postgresql://user@host:5432/dbname"
        ) from None


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = (
        {} if "connect_timeout" in parsed.query else {"connect_timeout": _CONNECT_TIMEOUT}
    )
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


class StoreUnavailable(SyncdError):
    """The store cannot be reached (database down, wrong URL or credentials)."""


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": 30},
        insertmanyvalues_page_size=SQLITE_ROWS_PER_INSERT,
        # Hand out the connection returned last, not the one idle longest: the pass's work keeps
        # mostly to one connection, warm, instead of filling a statement and page cache on each.
        pool_use_lifo=True,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def alembic_config() -> Config:
    """The Alembic configuration of the store's migrations (no ini file needed)."""
    from alembic.config import Config  # lazy: Alembic is needed only to migrate

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; replicas racing at startup take turns.

    A store already at ``HEAD`` (the usual start) is only read, and a new (empty) one gets the
    schema at ``HEAD`` in one step (``new_store``): Alembic is not even imported. A store with
    tables behind ``HEAD`` runs the migrations it lacks, one by one.
    """
    with engine.connect() as connection:
        if current_revision(connection) == HEAD:
            return
    with engine.begin() as connection:
        _lock_for_migration(connection)
        if create_if_new(connection):
            return
    from alembic import command  # lazy: about 0.15 s of CPU, needed only to migrate

    with engine.begin() as connection:
        _lock_for_migration(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})


def is_sqlite(engine: Engine) -> bool:
    """True when the store is SQLite, where one instance runs at a time."""
    return engine.dialect.name == "sqlite"
