"""What one instance holds in the store: poll/track leases and claimed outbox rows.

A heartbeat renews both while a pass works; a clean stop hands them back so another replica can
go on at once; a restart takes back what an earlier life of the same instance left in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

import structlog
from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.runtime.heartbeat import Heartbeat
from syncd.store import leases, outbox
from syncd.store.engine import is_sqlite
from syncd.store.outbox_types import ActionKind

log = structlog.get_logger(__name__)


class Holdings:
    """Leases and claims of instance ``holder`` in ``engine``'s store."""

    def __init__(
        self,
        engine: Engine,
        holder: str,
        lease_seconds: float,
        claim_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.holder = holder
        self._lease_ms = int(lease_seconds * 1000)
        self._claim_ms = int(claim_seconds * 1000)
        self._clock = clock

    def recover(self) -> int:
        """Release what an earlier life of this instance left in flight; how many actions.

        SQLite: the store lock makes this the only process, so every claim and lease belongs to a
        dead one. PostgreSQL: the instance lock makes this id unique among live processes, so
        claims under it are this instance's own; its leases it simply renews when it next acquires
        them. Either way a restart after a crash works at once instead of waiting for expiry.
        """
        now_ms = to_ms(self._clock())
        with self.engine.begin() as conn:
            if is_sqlite(self.engine):
                released = outbox.release_all(conn, now_ms)
                leases.release_all(conn)
            else:
                released = outbox.release(conn, self.holder, now_ms)
        return released

    def heartbeat(self) -> Heartbeat:
        """Renews leases and claims four times per lease while a pass works."""
        return Heartbeat(self._renew, min(self._lease_ms, self._claim_ms) / 4000)

    def leased(self, name: str) -> bool:
        """Take or renew lease ``name``; False while another live replica holds it."""
        with self.engine.begin() as conn:
            return leases.acquire(conn, name, self.holder, self._lease_ms, to_ms(self._clock()))

    def release_claims(self, kinds: Collection[ActionKind] | None = None) -> None:
        """Hand back claimed rows, or those of ``kinds`` (a batch cut short must not be renewed
        forever)."""
        try:
            with self.engine.begin() as conn:
                outbox.release(conn, self.holder, to_ms(self._clock()), kinds)
        except Exception:
            log.warning("could not release claims; they expire with their lease", exc_info=True)

    def release_all(self) -> None:
        """Hand back leases and claims on a clean stop."""
        try:
            with self.engine.begin() as conn:
                outbox.release(conn, self.holder, to_ms(self._clock()))
                leases.release(conn, self.holder)
        except Exception:
            log.warning("could not release leases and claims; they expire", exc_info=True)

    def _renew(self) -> None:
        now_ms = to_ms(self._clock())
        with self.engine.begin() as conn:
            leases.renew(conn, self.holder, self._lease_ms, now_ms)
            outbox.renew(conn, self.holder, self._claim_ms, now_ms)
