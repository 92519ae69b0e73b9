"""A fresh store per benchmark run: a SQLite file, or a PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

#: The server's maintenance database, used to create and drop the run's own.
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True, slots=True)
class Store:
    """Which store a run uses, and its URL for ``[daemon] database_url``."""

    kind: str
    url: str


@contextmanager
def fresh_store(kind: str, work: Path) -> Iterator[Store]:
    """An empty store of ``kind`` ("sqlite" or "postgresql") for one run."""
    if kind == "sqlite":
        yield Store(kind, f"sqlite:///{work / 'data' / 'syncd.db'}")
        return
    name = f"syncd_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Store(kind, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
