"""Shared fixtures: a migrated store on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from syncd.store.engine import migrate, open_engine
from syncd.store.schema import metadata

#: Every daemon a test starts (in a subprocess too) serves its HTTP port on a free loopback port:
#: tests run side by side and never share a fixed port.
os.environ.setdefault("SYNCD__HTTP__HOST", "127.0.0.1")
os.environ.setdefault("SYNCD__HTTP__PORT", "0")

PG_URL = os.environ.get("SYNCD_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin() -> Engine | None:
    engine = open_engine(PG_URL)
    try:
        with engine.connect():
            return engine
    except sa.exc.OperationalError:
        engine.dispose()
        return None


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL for a fresh PostgreSQL database; in CI its absence is a failure, not a skip."""
    admin = _pg_admin()
    if admin is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} (set SYNCD_TEST_PG_URL)")
    name, url = _create_database(admin)
    yield url
    _drop_database(admin, name)
    admin.dispose()


def _create_database(admin: Engine) -> tuple[str, str]:
    """A new, empty database on the test server: (its name, its URL)."""
    name = f"syncd_test_{uuid.uuid4().hex[:10]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return name, str(sa.engine.make_url(PG_URL).set(database=name))


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _reset(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store on each supported database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_server_url")
    store = open_engine(url)
    migrate(store)
    _reset(store)
    yield store
    # The PostgreSQL database lives for the session: leave no rows (a CRM binding, say) behind.
    _reset(store)
    store.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes the URL of a new, empty database at each call, on each supported database."""
    if request.param == "sqlite":
        files = itertools.count()
        yield lambda: f"sqlite:///{tmp_path / f'new-{next(files)}.db'}"
        return
    request.getfixturevalue("pg_server_url")  # reachable, or skipped (failed in CI)
    admin = _pg_admin()
    assert admin is not None
    names: list[str] = []

    def create() -> str:
        name, url = _create_database(admin)
        names.append(name)
        return url

    yield create
    for name in names:
        _drop_database(admin, name)
    admin.dispose()
