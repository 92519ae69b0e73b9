"""One place where simple-salesforce calls run: sign-in, retries, limits, error translation.

The client signs in on first use (so building the connector makes no call) and signs in again
by itself after ``INVALID_SESSION_ID``, re-sending the same request, so a batch in flight is not
lost. Every answer's ``Sforce-Limit-Info`` (``api-usage=used/max``) is read: once the org's usage
reaches ``daily_share`` of its allowance, or Salesforce answers ``REQUEST_LIMIT_EXCEEDED``, every
call fails at once with ``LimitExceeded`` (a ``Blocking`` error: delivery holds its work) until
``limit_pause_seconds`` have passed; then one call finds out whether the window has moved on.
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import structlog
from simple_salesforce import exceptions as sf
from simple_salesforce.api import Salesforce

from connectors.crm.salesforce.errors import LimitExceeded, translate, translate_status
from connectors.crm.salesforce.session import EdgeSession, connect
from connectors.crm.salesforce.settings import SalesforceSettings
from syncd.edge.limiter import LimiterFactory, local_limiter, per_second
from syncd.edge.retrying import Retrier
from syncd.errors import CrmError, CrmOutcomeUnknown, CrmRateLimited, CrmUnavailable
from syncd.redact import Redactor

T = TypeVar("T")
log = structlog.get_logger(__name__)
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class Transport:
    """Runs calls against one org; ``idempotent`` calls are retried after unknown outcomes."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        self._settings = settings
        self._limiter = limiters("requests", *per_second(settings.requests_per_second))
        self._clock = clock
        self._lock = threading.Lock()
        self._client: Salesforce | None = None
        self._session = EdgeSession(settings.base_url, settings.timeout_seconds, self._observe)
        self._retrier = Retrier(settings.inline_retry(), "salesforce", sleep=sleep)
        self._redactor = Redactor.of(settings.secrets())
        self._paused: tuple[float, LimitExceeded] | None = None
        #: (used, max) from the latest ``Sforce-Limit-Info``.
        self.usage: tuple[int, int] | None = None
        self.calls = 0

    def call(self, operation: Callable[[Salesforce], T], *, idempotent: bool) -> T:
        """``operation(client)`` under the retry policy; raises only ``CrmError``."""
        self._raise_if_paused()
        return self._retrier.call(
            lambda: self._attempt(operation),
            retry_if=_retryable_if(idempotent),
            limiter=self._limiter,
        )

    def refusal(self, status: int, body: object) -> CrmError:
        """The error for one failed subrequest of a composite call (a spent allowance pauses)."""
        error = translate_status(
            status, body, None, self._redactor, self._settings.limit_pause_seconds
        )
        if isinstance(error, LimitExceeded):
            self._pause(error)
        return error

    def close(self) -> None:
        """Release the HTTP connections."""
        self._session.close()

    def _attempt(self, operation: Callable[[Salesforce], T]) -> T:
        try:
            return operation(self._connected())
        except (sf.SalesforceError, requests.RequestException, ValueError) as raw:
            headers = getattr(self._session.last, "headers", None)
            error = translate(raw, headers, self._redactor, self._settings.limit_pause_seconds)
            if isinstance(error, LimitExceeded):
                self._pause(error)
            raise error from raw

    def _connected(self) -> Salesforce:
        with self._lock:
            if self._client is None:
                with warnings.catch_warnings():
                    # simple-salesforce warns with a browser URL when a user has not approved
                    # the app; a daemon says so in its auth error instead.
                    warnings.simplefilter("ignore", UserWarning)
                    self._client = connect(self._settings, self._session)
            return self._client

    def _observe(self, status: int, headers: Any) -> None:
        self.calls += 1
        match = _USAGE.search(str(headers.get("Sforce-Limit-Info") or "")) if headers else None
        if match is None:
            return
        used, limit = int(match[1]), int(match[2])
        self.usage = (used, limit)
        if status < 400 and limit and used >= limit * self._settings.daily_share:
            self._pause(
                LimitExceeded(
                    f"Salesforce API usage is {used} of {limit} calls in the rolling 24 hours, "
                    f"at syncd's share ([crm] daily_share = {self._settings.daily_share:g})",
                    self._settings.limit_pause_seconds,
                )
            )

    def _pause(self, error: LimitExceeded) -> None:
        wait = error.retry_after or self._settings.limit_pause_seconds
        with self._lock:
            if self._paused is not None and self._paused[0] > self._clock():
                return
            self._paused = (self._clock() + wait, error)
        log.warning(
            "crm.daily_limit.pause", vendor="salesforce", error=str(error), wait_seconds=wait
        )

    def _raise_if_paused(self) -> None:
        with self._lock:
            if self._paused is None:
                return
            until, error = self._paused
            if self._clock() >= until:
                self._paused = None
                log.info("crm.daily_limit.resume", vendor="salesforce")
                return
        raise LimitExceeded(
            f"{error}; delivery pauses, then one call checks the allowance", until - self._clock()
        )


def _retryable_if(idempotent: bool) -> Callable[[BaseException], bool]:
    def retryable(error: BaseException) -> bool:
        if isinstance(error, LimitExceeded) or not isinstance(error, CrmError):
            return False
        if isinstance(error, CrmRateLimited):
            return True
        return idempotent and isinstance(error, CrmUnavailable | CrmOutcomeUnknown)

    return retryable
