"""The HubSpot fake's fault injection: missing scopes, failed or lost answers, slow commits."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from connectors.crm.hubspot.fake import limits
from connectors.crm.hubspot.fake.chaos import ChaosMode
from connectors.crm.hubspot.fake.limits import Fault, Faults
from connectors.crm.hubspot.fake.state import Store


class FaultControls:
    """The test-facing switches that make the fake portal misbehave, as HubSpot can."""

    _lock: threading.RLock
    _store: Store
    _faults: Faults
    _withheld: dict[str, str]
    _chaos: ChaosMode | None = None

    def withhold_scope(self, path_contains: str, scope: str) -> None:
        """Answer 403 ``MISSING_SCOPES`` naming ``scope`` for every request whose path contains
        ``path_contains``, until ``grant_scope``: the private app was set up without it."""
        with self._lock:
            self._withheld[path_contains] = scope

    def grant_scope(self, path_contains: str) -> None:
        with self._lock:
            self._withheld.pop(path_contains, None)

    def inject(
        self,
        path_contains: str,
        status: int,
        *,
        times: int = 1,
        after_processing: bool = False,
        retry_after: float | None = None,
        drop: bool = False,
    ) -> None:
        """Fail the next ``times`` requests whose path contains ``path_contains`` with ``status``.

        429 answers with HubSpot's rate-limit body (policy SECONDLY on search paths, else
        TEN_SECONDLY_ROLLING). ``after_processing=True`` does the work first and then answers
        with the failure, or drops the connection if ``drop`` — the outcome-unknown case.
        """
        with self._lock:
            self._faults.arm(
                Fault(path_contains, status, times, after_processing, retry_after, drop)
            )

    def slow_commits(
        self,
        probability: float,
        delay_seconds: float,
        *,
        paths: Sequence[str] = ("/batch/",),
        seed: int = 0,
    ) -> limits.SlowCommits:
        """Hold writes (non-GET requests on ``paths``) for ``delay_seconds`` before processing.

        Beyond the client's timeout, the client sees an unknown outcome and the write lands
        later anyway. The returned fault's ``count`` says how many writes it held.
        """
        with self._lock:
            self._faults.slow = limits.SlowCommits(probability, delay_seconds, paths, seed)
            return self._faults.slow

    def treat_upserts_as_creates(self, enabled: bool = True) -> None:
        """Test-only: batch upsert ignores ``idProperty`` and always creates (a plain create)."""
        self._store.upserts_create_always = enabled  # read under the lock, by every upsert

    def chaos(self, mode: ChaosMode | None) -> None:
        """Fail a random share of requests in every way HubSpot can (see ``fake.chaos``)."""
        with self._lock:
            self._chaos = mode
