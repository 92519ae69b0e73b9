"""One daemon per store: an OS file lock for SQLite, an advisory lock per instance id on PostgreSQL.

A SQLite store belongs to one process; its startup recovery releases every claim left in the
store, which is only safe when no other process can be working on it. The lock is a ``flock`` on
``<database>.lock`` next to the database, held for the life of the process: the kernel drops it
when the process dies, however it dies, so a stale lock file never blocks a restart.

On PostgreSQL several replicas share the store, each under its own instance id. A session-level
advisory lock keyed by that id makes the id unique among live processes, so an instance may take
back the leases and claims its previous life left behind without taking anyone else's.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from syncd.errors import SyncdError


class StoreBusy(SyncdError):
    """Another live process holds the store (SQLite) or this instance id (PostgreSQL)."""


@dataclass(slots=True)
class StoreLock:
    """A held lock; ``release`` gives it back (process exit does too)."""

    fd: int | None = None
    connection: Connection | None = field(default=None, repr=False)

    def release(self) -> None:
        """Drop the lock (file or database session); safe to call twice."""
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None
        if self.connection is not None:
            # Invalidate, not just close: a pooled connection would keep the session, and the lock.
            self.connection.invalidate()
            self.connection.close()
            self.connection = None


def lock_path(url: str) -> Path | None:
    """Where the lock file of a SQLite store lives; None for PostgreSQL or an in-memory store."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(f"{parsed.database}.lock")


def lock_sqlite(url: str, instance: str) -> StoreLock:
    """Take the store's file lock before anything opens it; ``StoreBusy`` names the holder."""
    path = lock_path(url)
    if path is None:
        return StoreLock()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown process"
        os.close(fd)
        raise StoreBusy(
            f"the SQLite store {path.with_suffix('')} is in use by another syncd process "
            f"({holder}; lock file {path}); stop it first: a SQLite store belongs to one process"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, instance {instance}\n".encode(), 0)
    return StoreLock(fd=fd)


def lock_instance(engine: Engine, instance: str, held: StoreLock) -> StoreLock:
    """On PostgreSQL, hold an advisory lock on ``instance`` for as long as the process lives."""
    if engine.dialect.name != "postgresql":
        return held
    connection = engine.connect()
    taken = connection.execute(
        text("SELECT pg_try_advisory_lock(:key)"), {"key": _key(instance)}
    ).scalar()
    connection.commit()  # the lock is session-level: it outlives this transaction
    if not taken:
        connection.close()
        raise StoreBusy(
            f"another syncd process is running as instance {instance!r} on this database; "
            "give each replica its own [daemon] instance_id"
        )
    held.connection = connection
    return held


def _key(instance: str) -> int:
    digest = hashlib.sha256(f"syncd instance {instance}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
