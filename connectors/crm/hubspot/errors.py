"""Translate what the HubSpot SDK and urllib3 raise into syncd's error tree.

Every API package of ``hubspot-api-client`` defines its own ``ApiException`` classes, and a 429
is a plain ``ApiException``, so HTTP errors are recognised by shape (``status``, ``body``,
``headers``), never by class. The rule that matters most: anything HubSpot may have processed
(5xx other than 503, a read timeout, a dropped connection) is ``CrmOutcomeUnknown``, because a
repeated ``batch/create`` would duplicate tasks.

Messages keep the status and HubSpot's ``category``, ``message`` and ``correlationId``; never the
response headers or the request (the SDK's own ``str()`` of an exception carries both). Each
text is redacted before it is cut, so a token echoed near the cut cannot survive in part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from urllib3 import exceptions as urllib3_errors

from connectors.crm.hubspot.portal import portal_error
from connectors.crm.hubspot.throttle import HEADER_PREFIX, policy_of, rate_limited
from syncd.edge.rate_headers import RateHeaders
from syncd.edge.retry_after import retry_after
from syncd.errors import (
    CrmAuthError,
    CrmError,
    CrmOutcomeUnknown,
    CrmRateLimited,
    CrmRejected,
    CrmUnavailable,
)
from syncd.redact import Redactor

#: HubSpot's lock on records under heavy writes lasts 2 s.
LOCKED_WAIT_SECONDS = 2.0
#: 477 "migration in progress" comes with a Retry-After; this is the fallback.
MIGRATION_WAIT_SECONDS = 60.0

#: Refused before processing: 503 and Cloudflare's "origin down/unreachable/timed out".
_NOT_PROCESSED = frozenset({503, 521, 522, 523})
_MAX_MESSAGE = 500
_NO_SECRETS = Redactor()


class HubSpotRejected(CrmRejected):
    """A 4xx that retrying cannot fix; ``status`` tells a whole-batch 400 (worth bisecting)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The optional fields of HubSpot's error JSON that matter to us."""

    message: str = ""
    category: str = ""
    correlation_id: str = ""
    policy_name: str = ""

    @classmethod
    def parse(cls, body: object) -> ErrorBody:
        """Read a response body, JSON or not; missing fields stay empty instead of failing."""
        data = _json_object(body)
        if data is None:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
            return cls(message=text.strip())
        return cls(
            message=str(data.get("message") or ""),
            category=str(data.get("category") or data.get("errorType") or ""),
            correlation_id=str(data.get("correlationId") or ""),
            policy_name=str(data.get("policyName") or ""),
        )

    def describe(self, status: int, redactor: Redactor = _NO_SECRETS) -> str:
        """``HubSpot 400 CATEGORY: message (correlationId ...)``, redacted, message cut short."""
        parts = [f"HubSpot {status}"]
        if self.category:
            parts.append(redactor.clip(self.category, 100))
        message = redactor.clip(self.message, _MAX_MESSAGE)
        text = " ".join(parts) + (f": {message}" if message else "")
        correlation = redactor.clip(self.correlation_id, 100)
        return text + (f" (correlationId {correlation})" if correlation else "")


def is_http_error(error: BaseException) -> bool:
    """True for any SDK ``ApiException``, whichever API package raised it."""
    return all(hasattr(error, name) for name in ("status", "body", "headers"))


def translate(
    error: BaseException, redactor: Redactor = _NO_SECRETS, *, search: bool = False
) -> CrmError:
    """The syncd error for an SDK ``ApiException``-like or a urllib3/socket failure.

    ``search``: the call was a CRM search, whose only rate limit is per second.
    """
    if isinstance(error, CrmError):
        return error
    if is_http_error(error):
        return translate_status(
            int(getattr(error, "status", 0) or 0),
            getattr(error, "body", None),
            getattr(error, "headers", None),
            redactor,
            search=search,
        )
    return _translate_transport(error, redactor)


def translate_status(
    status: int,
    body: object,
    headers: object,
    redactor: Redactor = _NO_SECRETS,
    *,
    search: bool = False,
) -> CrmError:
    """The syncd error for an HTTP error response (``status`` 0: the SDK's wrapped SSL error).

    ``headers`` are read for ``Retry-After`` and the rate headers; none reaches the message.
    """
    info = ErrorBody.parse(body)
    message = info.describe(status, redactor)
    portal_wide = portal_error(status, body, message)
    if portal_wide is not None:
        return portal_wide
    if status in (401, 403):
        return CrmAuthError(message)
    if status == 429:
        rate = RateHeaders.parse(headers, HEADER_PREFIX)
        policy = policy_of(info.policy_name, info.message, rate, search=search)
        return rate_limited(message, policy, retry_after(headers))
    if status in _NOT_PROCESSED or status in (423, 477):
        return _not_processed(status, message, retry_after(headers))
    if 400 <= status < 500:
        return HubSpotRejected(message, status)
    # 500, 502, 504, 524, ...: HubSpot may have done the work before failing to answer.
    return CrmOutcomeUnknown(message)


def _not_processed(status: int, message: str, retry_after: float | None) -> CrmError:
    """Errors for requests HubSpot refused without processing: safe to send again later."""
    if status == 423:
        return CrmRateLimited(message, retry_after or LOCKED_WAIT_SECONDS)
    if status == 477:
        return CrmUnavailable(message, retry_after or MIGRATION_WAIT_SECONDS)
    return CrmUnavailable(message, retry_after)


def _translate_transport(error: BaseException, redactor: Redactor) -> CrmError:
    if isinstance(error, urllib3_errors.MaxRetryError) and error.reason is not None:
        return _translate_transport(error.reason, redactor)
    detail = redactor.clip(f"{type(error).__name__}: {error}", _MAX_MESSAGE)
    # Connection refused, DNS failure or connect timeout: the request never left this machine.
    if isinstance(error, urllib3_errors.ConnectTimeoutError | ConnectionRefusedError):
        return CrmUnavailable(f"HubSpot unreachable ({detail})")
    # Read timeout, reset or half-read response: the request may have been processed.
    return CrmOutcomeUnknown(f"HubSpot outcome unknown ({detail})")


def _json_object(body: object) -> Mapping[str, Any] | None:
    if isinstance(body, bytes | str) and body:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    return body if isinstance(body, dict) else None
