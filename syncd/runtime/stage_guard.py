"""Runs one stage so that whatever it raises stops only that stage, for a growing rest.

One failing source, an unreachable CRM or a bug in one stage must not stop the others: the error
is logged as one event (with its traceback when it was not foreseen), counted in the pass's
errors and the telemetry, and the stage rests ``interval``, then twice that, up to the cap.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from syncd.errors import SyncdError
from syncd.observability.telemetry import Telemetry
from syncd.runtime.backoff import StageBackoff

log = structlog.get_logger(__name__)


class StageGuard:
    """Backoff and error reporting around the stages of the passes of one daemon."""

    def __init__(self, telemetry: Telemetry, interval: float, backoff_max: float) -> None:
        self._telemetry = telemetry
        self._backoff = StageBackoff(interval, max(backoff_max, interval))

    def run(
        self,
        stage: str,
        work: Callable[[], None],
        errors: list[str],
        subject: dict[str, str],
        *,
        resting: bool,
    ) -> None:
        """Run ``work`` unless ``stage`` rests (only when ``resting``: `run --once` never
        skips); an error is appended to ``errors``. Log lines name ``subject``."""
        if resting and not self._backoff.ready(stage):
            return
        self._telemetry.stage_started(stage)
        try:
            with structlog.contextvars.bound_contextvars(**subject):
                work()
        except Exception as error:
            self._telemetry.stage_ended(stage, error)
            errors.append(f"{stage}: {error}")
            rest = self._backoff.failed(stage)
            # A SyncdError was foreseen and says what to do; anything else needs its traceback.
            log.error(
                "stage failed",
                stage=stage,
                **subject,
                error=str(error) or type(error).__name__,
                retry_in_seconds=rest if resting else None,
                exc_info=not isinstance(error, SyncdError),
            )
        else:
            self._telemetry.stage_ended(stage, None)
            self._backoff.succeeded(stage)
