"""Whether the store answers and its schema is at the newest migration."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.store.revision import HEAD, current_revision


def migration_head() -> str | None:
    """The newest revision this build knows."""
    return HEAD


def store_problem(engine: Engine, head: str | None) -> str | None:
    """None when the store answers at ``head``; else what is wrong, in one line."""
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
    except SQLAlchemyError as error:
        return f"cannot reach the store: {str(error).splitlines()[0]}"
    if current != head:
        return f"schema at {current or 'nothing'}, newest is {head}"
    return None
