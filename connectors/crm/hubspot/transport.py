"""One place where SDK calls run: rate limiters, timeout, inline retries, error translation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from urllib3 import exceptions as urllib3_errors

from connectors.crm.hubspot.errors import TEN_SECONDLY_WAIT_SECONDS, is_http_error, translate
from connectors.crm.hubspot.settings import HubSpotSettings
from syncd.edge.limiter import Limiter, SlidingWindowLimiter
from syncd.edge.retrying import Retrier
from syncd.errors import CrmOutcomeUnknown, CrmRateLimited, CrmUnavailable
from syncd.redact import Redactor

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
        self._general: Limiter = SlidingWindowLimiter(
            settings.ten_second_limit, 10.0, clock=clock, sleep=sleep
        )
        self._search: Limiter = SlidingWindowLimiter.per_second(
            settings.search_per_second, clock=clock, sleep=sleep
        )
        self._timeout = settings.timeout_seconds
        self._retrier = Retrier(settings.inline_retry(), "hubspot", sleep=sleep)
        self._redactor = Redactor.of([settings.access_token.get_secret_value()])

    def call(self, operation: Operation, *, idempotent: bool, search: bool = False) -> Any:
        """Run ``operation`` under the limiter, retrying what is safe; raises only ``CrmError``."""
        limiter = self._search if search else self._general
        return self._retrier.call(
            lambda: self._attempt(operation, limiter),
            retry_if=_retryable_if(idempotent),
            limiter=limiter,
        )

    def _attempt(self, operation: Operation, limiter: Limiter) -> Any:
        try:
            return operation(self._timeout)
        except Exception as raw:
            if not _is_remote_failure(raw):
                raise
            error = translate(raw, self._redactor)
            if isinstance(error, CrmRateLimited):
                # Holds back every caller of this limiter, not just this one.
                limiter.penalise(error.retry_after or TEN_SECONDLY_WAIT_SECONDS)
            raise error from raw


def _retryable_if(idempotent: bool) -> Callable[[BaseException], bool]:
    def retryable(error: BaseException) -> bool:
        if isinstance(error, CrmRateLimited):
            return True  # HubSpot did not process it, so even a create is safe to send again
        return idempotent and isinstance(error, CrmUnavailable | CrmOutcomeUnknown)

    return retryable


def _is_remote_failure(error: Exception) -> bool:
    """HTTP errors, network errors, and responses the SDK could not parse (plain ValueError).

    The SDK's own argument checks (``ApiValueError``/``ApiTypeError``, which carry
    ``path_to_item``) are bugs here and propagate unchanged.
    """
    if is_http_error(error) or isinstance(error, urllib3_errors.HTTPError | OSError):
        return True
    return isinstance(error, ValueError) and not hasattr(error, "path_to_item")
