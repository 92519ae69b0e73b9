"""A fresh PostgreSQL database per chaos run, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from syncd.store.engine import open_engine

PG_URL = os.environ.get("SYNCD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def reachable() -> bool:
    """Whether the PostgreSQL server of ``SYNCD_TEST_PG_URL`` answers."""
    engine = open_engine(PG_URL)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped (connections forced out) on exit."""
    admin = open_engine(PG_URL)
    name = f"syncd_chaos_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield str(sa.engine.make_url(PG_URL).set(database=name))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
