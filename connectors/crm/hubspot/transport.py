"""One place where SDK calls run: rate limiters, timeout, inline retries, error translation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from urllib3 import exceptions as urllib3_errors

from connectors.crm.hubspot.errors import is_http_error, translate
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.throttle import (
    HEADER_PREFIX,
    TEN_SECONDLY_WAIT_SECONDS,
    DailyLimitReached,
    daily_pause,
)
from syncd.edge.limiter import Limiter, LimiterFactory, SlidingWindowLimiter, per_second
from syncd.edge.rate_headers import RateHeaders
from syncd.edge.retrying import Retrier
from syncd.edge.traffic import Exchange, Traffic, endpoint_of, outcome_of
from syncd.errors import CrmOutcomeUnknown, CrmRateLimited, CrmUnavailable
from syncd.redact import Redactor

#: An SDK call: takes the request timeout in seconds, returns the SDK's response model.
Operation = Callable[[float], Any]

log = structlog.get_logger(__name__)


class Transport:
    """Runs SDK calls for one portal under its two limiters (search has its own budget).

    ``idempotent`` calls (reads, search, updates, upserts by a unique key, associations) are
    retried inline after a 5xx, a timeout or a dropped connection. Every call is retried after a
    429/423, which HubSpot did not process. A call that is not idempotent is never repeated here.
    Once the daily allowance is spent, every call fails at once with ``DailyLimitReached``
    (sending nothing) until the pause it asked for is over.
    """

    def __init__(
        self,
        settings: HubSpotSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiters: LimiterFactory | None = None,
    ) -> None:
        # One budget per HubSpot limit; shared by the replicas when the daemon passes a
        # store-backed factory, else local (with the injected clock, for tests).
        if limiters is None:
            self._general: Limiter = SlidingWindowLimiter(
                settings.burst_limit(), 10.0, clock=clock, sleep=sleep
            )
            self._search: Limiter = SlidingWindowLimiter.per_second(
                settings.search_per_second, clock=clock, sleep=sleep
            )
        else:
            self._general = limiters("burst", settings.burst_limit(), 10.0)
            self._search = limiters("search", *per_second(settings.search_per_second))
        self._timeout = settings.timeout_seconds
        self._retrier = Retrier(settings.inline_retry(), "hubspot", sleep=sleep)
        self._redactor = Redactor.of([settings.access_token.get_secret_value()])
        self._clock = clock
        self._reserve = settings.daily_reserve_fraction
        self._lock = threading.Lock()
        self._daily: tuple[float, DailyLimitReached] | None = None  # (until, why)
        #: Every answer (or its absence), by route template and outcome, for the metrics.
        self.traffic = Traffic()

    def call(self, operation: Operation, *, idempotent: bool, search: bool = False) -> Any:
        """Run ``operation`` under the limiter, retrying what is safe; raises only ``CrmError``."""
        self._raise_if_paused()
        limiter = self._search if search else self._general
        return self._retrier.call(
            lambda: self._attempt(operation, limiter, search),
            retry_if=_retryable_if(idempotent),
            limiter=limiter,
        )

    def watch(self, api: Any) -> None:
        """Read the rate headers of every answer ``api`` (an SDK API object) receives.

        The SDK hands back bodies only, so its connection pool's ``request`` is wrapped: each
        answer's daily allowance is seen, success or not, and a low one pauses the portal's calls
        before HubSpot starts refusing them.
        """
        pool = api.api_client.rest_client.pool_manager
        send = pool.request

        def request(*args: Any, **kwargs: Any) -> Any:
            # urllib3's ``request(method, url, ...)``: the URL names the endpoint, never logged.
            url = str(kwargs.get("url", args[1] if len(args) > 1 else ""))
            try:
                response = send(*args, **kwargs)
            except Exception:
                self.traffic.report(Exchange(endpoint_of(url), outcome_of(None)))
                raise
            status = getattr(response, "status", 500)
            rate = RateHeaders.parse(getattr(response, "headers", None), HEADER_PREFIX)
            self.traffic.report(Exchange(endpoint_of(url), outcome_of(status), rate))
            if status < 400:  # refusals are read by ``translate``
                self._observe(rate)
            return response

        pool.request = request

    def _observe(self, rate: RateHeaders) -> None:
        if rate.daily_remaining is None or not rate.daily_limit:
            return
        if rate.daily_remaining <= rate.daily_limit * self._reserve:
            note = (
                f"HubSpot daily allowance low: {rate.daily_remaining} of {rate.daily_limit} "
                f"calls left, under the [crm] daily_reserve_fraction kept for other apps"
            )
            self._pause(daily_pause(note, state="is nearly used up"))

    def _attempt(self, operation: Operation, limiter: Limiter, search: bool) -> Any:
        try:
            return operation(self._timeout)
        except Exception as raw:
            if not _is_remote_failure(raw):
                raise
            error = translate(raw, self._redactor, search=search)
            if isinstance(error, DailyLimitReached):
                self._pause(error)
            elif isinstance(error, CrmRateLimited):
                # Holds back every caller of this limiter, not just this one.
                limiter.penalise(error.retry_after or TEN_SECONDLY_WAIT_SECONDS)
            raise error from raw

    def _pause(self, error: DailyLimitReached) -> None:
        with self._lock:
            if self._daily is not None and self._daily[0] > self._clock():
                return  # already paused: one log line per pause
            self._daily = (self._clock() + (error.retry_after or 0.0), error)
        log.warning("crm.daily_limit.pause", error=str(error), wait_seconds=error.retry_after)

    def _raise_if_paused(self) -> None:
        with self._lock:
            if self._daily is None:
                return
            until, error = self._daily
            if self._clock() >= until:
                self._daily = None
                log.info("crm.daily_limit.resume", detail="one call checks the allowance")
                return
        raise DailyLimitReached(str(error), until - self._clock())


def _retryable_if(idempotent: bool) -> Callable[[BaseException], bool]:
    def retryable(error: BaseException) -> bool:
        if isinstance(error, DailyLimitReached):
            return False  # hours, not seconds: the pause holds the work, not this thread
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
