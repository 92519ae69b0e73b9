"""Salesforce's two error shapes (REST API Developer Guide, "Status Codes and Error Responses").

A request-level failure is an HTTP error whose body is a JSON array of
``{"message", "errorCode", "fields"}``; a record-level failure inside an sObject Collections
answer (HTTP 200) is ``{"success": false, "errors": [{"statusCode", "message", "fields"}]}``:
the key is ``statusCode`` there, not ``errorCode``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SalesforceError(Exception):
    """A request-level failure: answer ``status`` with the error array."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[str] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: list[dict[str, Any]] = [
            {"message": message, "errorCode": code, "fields": list(fields)}
        ]
        self.headers = headers or {}


class RecordError(Exception):
    """A record-level failure of one record in a collection."""

    def __init__(self, code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.fields = tuple(fields)

    def json(self) -> dict[str, Any]:
        """The ``errors[]`` item of a SaveResult."""
        return {"statusCode": self.code, "message": str(self), "fields": list(self.fields)}


def invalid_session() -> SalesforceError:
    """401: the session id expired or was never valid."""
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit() -> SalesforceError:
    """403: the org's rolling 24-hour API allowance is spent."""
    return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def not_found(path: str) -> SalesforceError:
    """404 for a resource the fake (and the API version) does not have."""
    return SalesforceError(404, "NOT_FOUND", f"The requested resource does not exist: {path}")


def oauth_error(error: str, description: str) -> tuple[int, dict[str, str]]:
    """The token endpoint's failure shape: ``{"error", "error_description"}`` with 400."""
    return 400, {"error": error, "error_description": description}
