"""Wait for the store to answer: a database that starts after syncd is waited for, then named."""

from __future__ import annotations

import threading
import time

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from syncd.store.engine import StoreUnavailable

log = structlog.get_logger(__name__)


def wait_for_store(engine: Engine, timeout: float, stop: threading.Event | None = None) -> bool:
    """Connect, retrying for up to ``timeout`` seconds (a database that starts after syncd).

    False when ``stop`` was set while waiting; ``StoreUnavailable`` with a one-line reason when
    the time is up.
    """
    deadline = time.monotonic() + timeout
    delay = 0.5
    stop = stop or threading.Event()
    while True:
        try:
            with engine.connect():
                return True
        except DBAPIError as error:
            if time.monotonic() + delay > deadline:
                raise StoreUnavailable(_unreachable(engine, error)) from None
            if delay == 0.5:
                log.warning(
                    "store not reachable yet; retrying", error=_reason(error), within=timeout
                )
        if stop.wait(delay):
            return False
        delay = min(delay * 2, 5.0)


def _reason(error: DBAPIError) -> str:
    return (str(error.orig).strip().splitlines() or ["no reason given"])[0][:300]


def _unreachable(engine: Engine, error: DBAPIError) -> str:
    where = engine.url.render_as_string(hide_password=True)
    return (
        f"cannot reach the store at {where}: {_reason(error)}; "
        "check [daemon] database_url and that the database is running"
    )
