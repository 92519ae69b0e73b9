"""Limiters whose budgets live in the store: every replica of one connector shares them.

Used on PostgreSQL, where replicas run; a lone SQLite daemon keeps the in-process limiter. A
store that cannot be reached while pacing falls back to waiting one window's share of a call
and trying again: pacing must never become the reason a call fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.edge.limiter import Limiter, LimiterFactory
from syncd.store import rate_limits

log = structlog.get_logger(__name__)

#: Longest single sleep: a wait is re-checked at least this often, as other replicas move on.
_MAX_NAP_SECONDS = 1.0


class StoreLimiter:
    """At most ``max_calls`` in any ``period`` seconds across every process sharing ``bucket``."""

    def __init__(
        self,
        engine: Engine,
        bucket: str,
        max_calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.bucket = bucket
        self.max_calls = max_calls
        self.period = period
        self._engine = engine
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> None:
        """Block until the shared window has room (and any shared pause is over), then count."""
        while (wait := self._reserve()) > 0:
            self._sleep(min(wait, _MAX_NAP_SECONDS))

    def penalise(self, seconds: float) -> None:
        """Hold every replica's callers of this budget back for ``seconds``."""
        until_ms = int((self._clock() + seconds) * 1000)
        try:
            with self._engine.begin() as conn:
                rate_limits.pause(conn, self.bucket, until_ms)
        except SQLAlchemyError as error:
            log.warning("shared rate limit: pause not stored", bucket=self.bucket, error=str(error))

    def _reserve(self) -> float:
        now_ms = int(self._clock() * 1000)
        period_ms = max(1, int(self.period * 1000))
        try:
            wait_ms = self._reserve_in_store(period_ms, now_ms)
        except SQLAlchemyError as error:
            log.warning(
                "shared rate limit: store unreachable", bucket=self.bucket, error=str(error)
            )
            # Without the store, pace this replica alone at its share of one window per call.
            self._sleep(self.period / self.max_calls)
            return 0.0
        return wait_ms / 1000

    def _reserve_in_store(self, period_ms: int, now_ms: int) -> int:
        if self._engine.dialect.name == "postgresql":
            # One round trip: the server-side function, committed on its own.
            with self._engine.connect() as conn:
                autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
                return rate_limits.reserve_in_one_call(
                    autocommit, self.bucket, self.max_calls, period_ms, now_ms
                ).wait_ms
        with self._engine.begin() as conn:
            return rate_limits.reserve(conn, self.bucket, self.max_calls, period_ms, now_ms)


def store_limiters(engine: Engine, scope: str) -> LimiterFactory:
    """A ``LimiterFactory`` whose budgets are named ``<scope>:<key>`` in the store."""

    def make(key: str, max_calls: int, period: float) -> Limiter:
        return StoreLimiter(engine, f"{scope}:{key}", max_calls, period)

    return make
