"""Salesforce's error codes mapped to syncd's error tree, for whole requests and single records.

Request-level errors are a JSON array of ``{"message", "errorCode", "fields"}`` with an HTTP
error status; record-level errors in a collection answer carry ``statusCode`` instead (REST API
guide, "Status Codes and Error Responses"; crm-api-facts §1.7). ``RECORD_CODES`` is the one
table both use; ``tests/connectors/test_salesforce_errors.py`` pins it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from simple_salesforce import exceptions as sf

from syncd.edge.retry_after import retry_after
from syncd.errors import (
    Blocking,
    ContactNotFound,
    CrmAuthError,
    CrmError,
    CrmOutcomeUnknown,
    CrmRateLimited,
    CrmRejected,
    CrmSetupError,
    CrmUnavailable,
    SyncdError,
)
from syncd.redact import Redactor

#: What one record's ``statusCode`` means. ``contact``: the record was a contact update.
RECORD_CODES: dict[str, type[SyncdError]] = {
    "ENTITY_IS_DELETED": ContactNotFound,
    "INVALID_CROSS_REFERENCE_KEY": ContactNotFound,
    "MALFORMED_ID": ContactNotFound,
    "INVALID_ID_FIELD": ContactNotFound,
    "INACTIVE_OWNER_OR_USER": CrmRejected,
    "DUPLICATES_DETECTED": CrmRejected,
    "DUPLICATE_VALUE": CrmRejected,
    "STRING_TOO_LONG": CrmRejected,
    "REQUIRED_FIELD_MISSING": CrmRejected,
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": CrmRejected,
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": CrmRejected,
    "INVALID_TYPE_ON_FIELD_IN_RECORD": CrmRejected,
    "CANNOT_UPDATE_CONVERTED_LEAD": CrmRejected,
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": CrmRejected,
    "INVALID_FIELD_FOR_INSERT_UPDATE": CrmSetupError,
    "INVALID_FIELD": CrmSetupError,
    "INSUFFICIENT_ACCESS_OR_READONLY": CrmAuthError,
    "UNABLE_TO_LOCK_ROW": CrmUnavailable,
    "SERVER_UNAVAILABLE": CrmUnavailable,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": CrmUnavailable,
}
#: On a task or key record a missing reference is the task's problem, not a missing contact.
_NOT_CONTACT = CrmRejected
_HINTS = {
    "DUPLICATES_DETECTED": "an active duplicate rule blocks the save; set [crm] "
    "save_duplicates = true to save through it",
    "INACTIVE_OWNER_OR_USER": "the owner is an inactive user; routing falls back to another",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "the integration user cannot edit this field: grant "
    "field-level security on it",
}
_MAX_MESSAGE = 500


def record_error(item: object, *, contact: bool) -> SyncdError:
    """The syncd error for one ``errors[]`` item of a SaveResult (anything else: unknown)."""
    if not isinstance(item, Mapping):
        item = {}
    code = str(item.get("statusCode") or item.get("errorCode") or "UNKNOWN")
    fields = item.get("fields") if isinstance(item.get("fields"), list) else []
    text = f"Salesforce {code}: {str(item.get('message') or '')[:_MAX_MESSAGE]}"
    if fields:
        text += f" (fields: {', '.join(map(str, fields))})"
    if code in _HINTS:
        text += f"; {_HINTS[code]}"
    kind = RECORD_CODES.get(code, CrmRejected)
    if kind is ContactNotFound and not contact:
        kind = _NOT_CONTACT
    error = kind(text)
    return error


def first_code(errors: object) -> str:
    """The first ``statusCode`` (or ``errorCode``) of an error array."""
    items = errors if isinstance(errors, list) else []
    for item in items:
        if isinstance(item, dict):
            return str(item.get("statusCode") or item.get("errorCode") or "")
    return ""


class LimitExceeded(CrmRateLimited, Blocking):
    """The org's API allowance is spent (``REQUEST_LIMIT_EXCEEDED``) or at syncd's share:
    delivery holds its work, spending no attempts, until ``retry_after`` has passed."""


def translate(
    error: BaseException, headers: object, redactor: Redactor, pause_seconds: float
) -> CrmError:
    """The syncd error for what simple-salesforce or ``requests`` raised."""
    if isinstance(error, CrmError):
        return error
    if isinstance(error, sf.SalesforceAuthenticationFailed):
        return CrmAuthError(
            redactor.clip(f"Salesforce refused syncd's sign-in: {error.message}", _MAX_MESSAGE)
            + ". Check [crm] consumer_key and the credentials of the configured flow"
            + (
                "; the JWT bearer flow needs the app pre-authorized for this user "
                "(Admin approved users, with the user's profile or a permission set)"
                if "approved" in str(error.message)
                else ""
            )
        )
    if isinstance(error, sf.SalesforceError):
        return translate_status(error.status, error.content, headers, redactor, pause_seconds)
    detail = redactor.clip(f"{type(error).__name__}: {error}", _MAX_MESSAGE)
    refused = isinstance(error, requests.exceptions.ConnectionError) and (
        "Connection refused" in str(error)
    )
    if isinstance(error, requests.exceptions.ConnectTimeout) or refused:
        # The request never left this machine: nothing can have been saved.
        return CrmUnavailable(f"Salesforce unreachable ({detail})")
    return CrmOutcomeUnknown(f"Salesforce outcome unknown ({detail})")


def translate_status(  # noqa: PLR0911 - one return per row of Salesforce's status table
    status: int, content: object, headers: object, redactor: Redactor, pause_seconds: float
) -> CrmError:
    """The syncd error for an HTTP error answer."""
    items = _items(content)
    code = first_code(items)
    message = "; ".join(str(i.get("message") or "") for i in items) or str(content)[:200]
    text = redactor.clip(f"Salesforce {status} {code}: {message}".replace(" :", ":"), _MAX_MESSAGE)
    if code == "REQUEST_LIMIT_EXCEEDED" and status == 403:
        return LimitExceeded(text, pause_seconds)
    if status == 429:
        return CrmRateLimited(text, retry_after(headers) or 60.0)
    if status == 401 or code in ("INVALID_SESSION_ID", "INVALID_AUTH_HEADER"):
        return CrmAuthError(f"{text}. The session could not be renewed: check the credentials")
    if status == 403 or code in ("API_DISABLED_FOR_ORG", "INSUFFICIENT_ACCESS"):
        return CrmAuthError(f"{text}. The integration user lacks a permission")
    if code in ("INVALID_FIELD", "INVALID_TYPE", "NOT_FOUND") and status in (400, 404):
        return CrmSetupError(f"{text}. Run `syncd crm setup` or fix [crm.fields]")
    if status in (502, 503) or (code == "SERVER_UNAVAILABLE" and status != 500):
        return CrmUnavailable(text, retry_after(headers))
    if 400 <= status < 500:
        return CrmRejected(text)
    return CrmOutcomeUnknown(text)


def _items(content: object) -> Sequence[Mapping[str, Any]]:
    if isinstance(content, str | bytes):
        try:
            content = json.loads(content)
        except ValueError:
            return []
    if isinstance(content, dict):
        content = [content]
    return [i for i in content if isinstance(i, dict)] if isinstance(content, list) else []
