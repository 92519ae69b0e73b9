"""Whether the store answers and its schema is at the newest migration."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).parents[1] / "store" / "migrations"


def migration_head() -> str | None:
    """The newest revision this build knows."""
    head: str | None = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return head


def store_problem(engine: Engine, head: str | None) -> str | None:
    """None when the store answers at ``head``; else what is wrong, in one line."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as error:
        return f"cannot reach the store: {str(error).splitlines()[0]}"
    if current != head:
        return f"schema at {current or 'nothing'}, newest is {head}"
    return None
