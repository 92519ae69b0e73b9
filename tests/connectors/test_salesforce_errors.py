"""Salesforce's error codes and statuses, mapped to syncd's error tree (the table pinned)."""

from __future__ import annotations

import pytest
import requests

from connectors.crm.salesforce.errors import (
    LimitExceeded,
    record_error,
    translate,
    translate_status,
)
from syncd.errors import (
    Blocking,
    ContactNotFound,
    CrmAuthError,
    CrmOutcomeUnknown,
    CrmRateLimited,
    CrmRejected,
    CrmSetupError,
    CrmUnavailable,
    SyncdError,
)
from syncd.redact import Redactor


@pytest.mark.parametrize(
    ("code", "contact", "expected"),
    [
        ("ENTITY_IS_DELETED", True, ContactNotFound),
        ("INVALID_CROSS_REFERENCE_KEY", True, ContactNotFound),
        ("MALFORMED_ID", True, ContactNotFound),
        ("INVALID_CROSS_REFERENCE_KEY", False, CrmRejected),
        ("INACTIVE_OWNER_OR_USER", False, CrmRejected),
        ("DUPLICATES_DETECTED", True, CrmRejected),
        ("STRING_TOO_LONG", True, CrmRejected),
        ("CANNOT_UPDATE_CONVERTED_LEAD", True, CrmRejected),
        ("INVALID_FIELD_FOR_INSERT_UPDATE", True, CrmSetupError),
        ("INSUFFICIENT_ACCESS_OR_READONLY", True, CrmAuthError),
        ("UNABLE_TO_LOCK_ROW", True, CrmUnavailable),
        ("SOMETHING_NEW", True, CrmRejected),
    ],
)
def test_record_errors(code: str, contact: bool, expected: type[SyncdError]) -> None:
    error = record_error({"statusCode": code, "message": "m", "fields": ["F"]}, contact=contact)
    assert type(error) is expected
    assert code in str(error) and "F" in str(error)


def test_a_duplicate_rule_says_how_to_save_through_it() -> None:
    error = record_error({"statusCode": "DUPLICATES_DETECTED", "message": "dupe"}, contact=True)
    assert "save_duplicates" in str(error)


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected"),
    [
        (
            403,
            [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests"}],
            {},
            LimitExceeded,
        ),
        (401, [{"errorCode": "INVALID_SESSION_ID", "message": "expired"}], {}, CrmAuthError),
        (403, [{"errorCode": "API_DISABLED_FOR_ORG", "message": "no"}], {}, CrmAuthError),
        (400, [{"errorCode": "INVALID_FIELD", "message": "No such column"}], {}, CrmSetupError),
        (404, [{"errorCode": "NOT_FOUND", "message": "gone"}], {}, CrmSetupError),
        (400, [{"errorCode": "MALFORMED_QUERY", "message": "bad"}], {}, CrmRejected),
        (429, "slow down", {"Retry-After": "7"}, CrmRateLimited),
        (503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "x"}], {}, CrmUnavailable),
        (500, "not json {", {}, CrmOutcomeUnknown),
        (502, None, {}, CrmUnavailable),
    ],
)
def test_request_errors(status: int, body: object, headers: dict[str, str], expected: type) -> None:
    error = translate_status(status, body, headers, Redactor(), 900)
    assert isinstance(error, expected)


def test_a_spent_allowance_blocks_for_the_configured_pause() -> None:
    body = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]
    error = translate_status(403, body, {}, Redactor(), 900)
    assert isinstance(error, Blocking) and error.retry_after == 900


def test_a_429_waits_what_it_asked() -> None:
    error = translate_status(429, None, {"Retry-After": "7"}, Redactor(), 900)
    assert isinstance(error, CrmRateLimited) and error.retry_after == 7


def test_network_failures_split_by_whether_the_request_left() -> None:
    refused = requests.exceptions.ConnectionError("Connection refused")
    reset = requests.exceptions.ConnectionError("Connection aborted, RemoteDisconnected")
    assert isinstance(translate(refused, None, Redactor(), 900), CrmUnavailable)
    assert isinstance(translate(reset, None, Redactor(), 900), CrmOutcomeUnknown)
    assert isinstance(
        translate(requests.exceptions.ReadTimeout("slow"), None, Redactor(), 900), CrmOutcomeUnknown
    )


def test_secrets_never_reach_the_message() -> None:
    secret = "super-secret-value-123"
    body = [{"errorCode": "INVALID_SESSION_ID", "message": f"bad {secret}"}]
    error = translate_status(401, body, {}, Redactor.of([secret]), 900)
    assert secret not in str(error)
