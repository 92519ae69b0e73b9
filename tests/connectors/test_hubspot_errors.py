"""HubSpot error translation: HTTP statuses and transport failures -> syncd's error tree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import hubspot.crm.contacts.exceptions as contact_exceptions
import hubspot.crm.objects.tasks.exceptions as task_exceptions
import pytest
from urllib3 import exceptions as urllib3_errors

from connectors.crm.hubspot.errors import HubSpotRejected, translate
from connectors.crm.hubspot.throttle import (
    SECONDLY_WAIT_SECONDS,
    TEN_SECONDLY_WAIT_SECONDS,
    DailyLimitReached,
)
from syncd.errors import (
    CrmAuthError,
    CrmError,
    CrmOutcomeUnknown,
    CrmRateLimited,
    CrmRejected,
    CrmUnavailable,
    Terminal,
    Transient,
)

NO_POOL: Any = None


@dataclass
class FakeApiException(Exception):
    """The shape every SDK package's ApiException has (status, body, headers)."""

    status: int
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def hubspot_body(**fields: str) -> str:
    return json.dumps({"status": "error", **fields})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, HubSpotRejected),
        (401, CrmAuthError),
        (403, CrmAuthError),
        (404, HubSpotRejected),
        (409, HubSpotRejected),
        (422, HubSpotRejected),
        (423, CrmRateLimited),
        (429, CrmRateLimited),
        (477, CrmUnavailable),
        (500, CrmOutcomeUnknown),
        (502, CrmOutcomeUnknown),
        (503, CrmUnavailable),
        (504, CrmOutcomeUnknown),
        (521, CrmUnavailable),
        (524, CrmOutcomeUnknown),
    ],
)
def test_status_maps_to_error(status: int, expected: type[CrmError]) -> None:
    body = hubspot_body(message="went wrong", category="SOME_CATEGORY", correlationId="c-123")
    error = translate(FakeApiException(status, body))

    assert type(error) is expected
    assert f"HubSpot {status}" in str(error)
    assert "SOME_CATEGORY" in str(error)
    assert "went wrong" in str(error)
    assert "c-123" in str(error)


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (urllib3_errors.ReadTimeoutError(NO_POOL, "/x", "Read timed out."), CrmOutcomeUnknown),
        (
            urllib3_errors.ProtocolError("Connection aborted.", ConnectionResetError()),
            CrmOutcomeUnknown,
        ),
        (urllib3_errors.NewConnectionError(NO_POOL, "Connection refused"), CrmUnavailable),
        (urllib3_errors.ConnectTimeoutError(NO_POOL, "connect timed out"), CrmUnavailable),
        (
            urllib3_errors.MaxRetryError(
                NO_POOL, "/x", urllib3_errors.NewConnectionError(NO_POOL, "refused")
            ),
            CrmUnavailable,
        ),
        (
            urllib3_errors.MaxRetryError(
                NO_POOL, "/x", urllib3_errors.ReadTimeoutError(NO_POOL, "/x", "timed out")
            ),
            CrmOutcomeUnknown,
        ),
        (ConnectionRefusedError(111, "Connection refused"), CrmUnavailable),
        (ConnectionResetError(104, "reset"), CrmOutcomeUnknown),
        (TimeoutError("timed out"), CrmOutcomeUnknown),
        (ValueError("Invalid value for `id`, must not be `None`"), CrmOutcomeUnknown),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
def test_transport_failure_maps_to_error(raised: BaseException, expected: type[CrmError]) -> None:
    assert type(translate(raised)) is expected


def test_every_sdk_package_exception_is_recognised() -> None:
    # Each SDK package has its own exception classes; a 429 is the plain ApiException.
    tasks_429 = task_exceptions.ApiException(status=429, reason="Too Many Requests")
    contacts_401 = contact_exceptions.UnauthorizedException(status=401, reason="Unauthorized")
    contacts_500 = contact_exceptions.ServiceException(status=500, reason="Server Error")

    assert isinstance(translate(tasks_429), CrmRateLimited)
    assert isinstance(translate(contacts_401), CrmAuthError)
    assert isinstance(translate(contacts_500), CrmOutcomeUnknown)


def test_ssl_error_wrapped_by_sdk_is_outcome_unknown() -> None:
    # The SDK turns urllib3's SSLError into ApiException(status=0).
    assert isinstance(translate(contact_exceptions.ApiException(status=0)), CrmOutcomeUnknown)


@pytest.mark.parametrize(
    ("policy", "wait"),
    [
        ("TEN_SECONDLY_ROLLING", TEN_SECONDLY_WAIT_SECONDS),
        ("SECONDLY", SECONDLY_WAIT_SECONDS),
        ("", TEN_SECONDLY_WAIT_SECONDS),
    ],
)
def test_rate_limit_wait_follows_policy(policy: str, wait: float) -> None:
    body = hubspot_body(message="You have reached your limit.", policyName=policy)
    error = translate(FakeApiException(429, body))

    assert isinstance(error, CrmRateLimited)
    assert error.retry_after == wait


SECONDLY_MESSAGE = "You have reached your secondly limit."
BURST_LEFT = {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "120"}
BURST_SPENT = {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "0"}
DAILY_SPENT = {"X-HubSpot-RateLimit-Daily": "625000", "X-HubSpot-RateLimit-Daily-Remaining": "0"}


@pytest.mark.parametrize(
    ("message", "headers", "search", "wait"),
    [
        # the recorded real per-second 429: no policyName, only the message
        (SECONDLY_MESSAGE, {}, False, SECONDLY_WAIT_SECONDS),
        ("You have reached your ten_secondly_rolling limit.", {}, False, TEN_SECONDLY_WAIT_SECONDS),
        ("Rate limited.", {}, True, SECONDLY_WAIT_SECONDS),  # search: a per-second limit only
        ("Rate limited.", BURST_LEFT, False, SECONDLY_WAIT_SECONDS),
        ("Rate limited.", BURST_SPENT, False, TEN_SECONDLY_WAIT_SECONDS),
    ],
)
def test_a_429_without_policy_name_is_told_apart_by_message_headers_and_call(
    message: str, headers: dict[str, str], search: bool, wait: float
) -> None:
    body = json.dumps({"status": "error", "message": message, "errorType": "RATE_LIMIT"})
    error = translate(FakeApiException(429, body, headers), search=search)

    assert type(error) is CrmRateLimited
    assert error.retry_after == wait


@pytest.mark.parametrize(
    ("policy", "headers"),
    [("DAILY", {}), ("", DAILY_SPENT)],
)
def test_a_daily_429_pauses_until_the_next_hour_not_ten_seconds(
    policy: str, headers: dict[str, str]
) -> None:
    body = hubspot_body(message="You have reached your limit.", policyName=policy)
    error = translate(FakeApiException(429, body, headers))

    assert isinstance(error, DailyLimitReached)
    assert error.retry_after is not None and 0 < error.retry_after <= 3600
    assert "daily API allowance is used up" in str(error) and "UTC" in str(error)


def test_retry_after_header_wins_and_is_case_insensitive() -> None:
    body = hubspot_body(policyName="TEN_SECONDLY_ROLLING")
    error = translate(FakeApiException(429, body, {"retry-after": "3"}))

    assert isinstance(error, CrmRateLimited)
    assert error.retry_after == 3.0


def test_locked_and_migration_have_default_waits() -> None:
    locked = translate(FakeApiException(423))
    migrating = translate(FakeApiException(477, None, {"Retry-After": "3600"}))

    assert isinstance(locked, CrmRateLimited)
    assert locked.retry_after == 2.0
    assert isinstance(migrating, CrmUnavailable)
    assert migrating.retry_after == 3600.0


def test_rejections_carry_status_and_are_terminal() -> None:
    error = translate(FakeApiException(400, hubspot_body(category="VALIDATION_ERROR")))

    assert isinstance(error, HubSpotRejected)
    assert isinstance(error, CrmRejected)
    assert isinstance(error, Terminal)
    assert error.status == 400


def test_auth_errors_are_transient() -> None:
    assert isinstance(translate(FakeApiException(401)), Transient)


def test_non_json_body_is_quoted_in_the_message() -> None:
    error = translate(FakeApiException(502, "<html>Bad gateway</html>"))

    assert "Bad gateway" in str(error)


def test_sdk_exception_with_bytes_body() -> None:
    error = contact_exceptions.ApiException(status=409)
    error.body = json.dumps({"message": "conflict", "category": "CONFLICT"}).encode()

    translated = translate(error)
    assert isinstance(translated, HubSpotRejected)
    assert "CONFLICT" in str(translated)
