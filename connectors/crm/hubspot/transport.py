"""One place where SDK calls run: rate limiters, timeout, inline retries, error translation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from urllib3 import exceptions as urllib3_errors

from connectors.crm.hubspot.errors import TEN_SECONDLY_WAIT_SECONDS, is_http_error, translate
from connectors.crm.hubspot.settings import HubSpotSettings
from syncd.errors import CrmError, CrmOutcomeUnknown, CrmRateLimited, CrmUnavailable
from syncd.ratelimit import SlidingWindowLimiter
from syncd.redact import Redactor

logger = logging.getLogger(__name__)

#: Waits longer than this go back to the daemon's scheduler instead of blocking a call.
MAX_INLINE_WAIT_SECONDS = 10.0
_BACKOFF_SECONDS = 0.5

#: An SDK call: takes the request timeout in seconds, returns the SDK's response model.
Operation = Callable[[float], Any]


class Transport:
    """Runs SDK calls for one portal under its two limiters (search has its own budget).

    ``idempotent`` calls (reads, search, updates, upserts by a unique key, associations) are
    retried inline after a 5xx, a timeout or a dropped connection. Every call is retried after a
    429/423, which HubSpot did not process. A call that is not idempotent is never repeated here.
    """

    def __init__(
        self,
        settings: HubSpotSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._general = SlidingWindowLimiter(
            settings.ten_second_limit, 10.0, clock=clock, sleep=sleep
        )
        calls, period = _per_second(settings.search_per_second)
        self._search = SlidingWindowLimiter(calls, period, clock=clock, sleep=sleep)
        self._timeout = settings.timeout_seconds
        self._retries = settings.read_retries
        self._sleep = sleep
        self._redactor = Redactor.of([settings.access_token.get_secret_value()])

    def call(self, operation: Operation, *, idempotent: bool, search: bool = False) -> Any:
        """Run ``operation`` under the limiter, retrying what is safe; raises only ``CrmError``."""
        limiter = self._search if search else self._general
        attempt = 0
        while True:
            limiter.acquire()
            try:
                return operation(self._timeout)
            except Exception as raw:
                error = self._translate(raw)
                if not self._retry(error, attempt, idempotent, limiter):
                    raise error from raw
            attempt += 1

    def _translate(self, raw: Exception) -> CrmError:
        if not _is_remote_failure(raw):
            raise raw
        return translate(raw, self._redactor)

    def _retry(
        self, error: CrmError, attempt: int, idempotent: bool, limiter: SlidingWindowLimiter
    ) -> bool:
        if isinstance(error, CrmRateLimited):
            wait = error.retry_after or TEN_SECONDLY_WAIT_SECONDS
            limiter.pause(wait)  # holds back every caller, not just this one
            return attempt < self._retries and wait <= MAX_INLINE_WAIT_SECONDS
        if not idempotent or attempt >= self._retries:
            return False
        if not isinstance(error, CrmUnavailable | CrmOutcomeUnknown):
            return False
        wait = max(error.retry_after or 0.0, _BACKOFF_SECONDS * 2**attempt)
        if wait > MAX_INLINE_WAIT_SECONDS:
            return False
        logger.info("retrying HubSpot call after %s (in %.1fs)", error, wait)
        self._sleep(wait)
        return True


def _is_remote_failure(error: Exception) -> bool:
    """HTTP errors, network errors, and responses the SDK could not parse (plain ValueError).

    The SDK's own argument checks (``ApiValueError``/``ApiTypeError``, which carry
    ``path_to_item``) are bugs here and propagate unchanged.
    """
    if is_http_error(error) or isinstance(error, urllib3_errors.HTTPError | OSError):
        return True
    return isinstance(error, ValueError) and not hasattr(error, "path_to_item")


def _per_second(rate: float) -> tuple[int, float]:
    """A (calls, period) window equivalent to ``rate`` calls per second, at least one call."""
    calls = max(1, int(rate))
    return calls, calls / rate
