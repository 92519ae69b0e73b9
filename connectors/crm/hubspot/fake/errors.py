"""HubSpot-shaped error bodies, and the exception a handler raises to answer with one.

Every HubSpot error body has ``status: "error"``, a ``message``, a ``correlationId`` and usually a
``category``; validation errors add ``errors[]`` with a machine-readable ``code`` per problem.
Clients must treat every field as optional, so the fake sends exactly what HubSpot sends and no
more (the 207 ``errors[]`` entries, for example, carry no ``links``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

Body = dict[str, Any]


class HubSpotError(Exception):
    """Raised inside a handler: answer ``status`` with ``body`` instead of the normal response."""

    def __init__(self, status: int, body: Body) -> None:
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body


@dataclass(frozen=True, slots=True)
class PropertyProblem:
    """One rejected property value, e.g. ``PROPERTY_DOESNT_EXIST`` for ``nps_scor``."""

    name: str
    code: str
    message: str

    def legacy(self) -> Body:
        """The form HubSpot embeds, JSON-encoded, in the top-level ``message``."""
        return {"isValid": False, "message": self.message, "error": self.code, "name": self.name}

    def detail(self) -> Body:
        return {
            "message": self.message,
            "code": self.code,
            "context": {"propertyName": [self.name]},
        }


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(message: str, category: str | None = None, **extra: Any) -> Body:
    body: Body = {"status": "error", "message": message, "correlationId": correlation_id()}
    if category is not None:
        body["category"] = category
    return body | extra


def unauthorized(message: str) -> HubSpotError:
    return HubSpotError(401, error_body(message, "INVALID_AUTHENTICATION"))


def not_found(message: str, **context: list[str]) -> HubSpotError:
    extra = {"context": context} if context else {}
    return HubSpotError(404, error_body(message, "OBJECT_NOT_FOUND", **extra))


def bad_request(message: str, **extra: Any) -> HubSpotError:
    return HubSpotError(400, error_body(message, "VALIDATION_ERROR", **extra))


def conflict(message: str, **context: list[str]) -> HubSpotError:
    return HubSpotError(409, error_body(message, "OBJECT_ALREADY_EXISTS", context=context))


def already_exists(object_type: str, name: str, value: str, holder: str) -> HubSpotError:
    """HubSpot's 409 for a unique value another record holds. For a contact's email HubSpot
    says "Contact already exists. Existing ID: <id>" with category CONFLICT (bodies quoted in
    github HubSpot/hubspot-api-nodejs#545 and HubSpot/hubspot-api-python#51); the same shape
    names the property for other unique values."""
    return HubSpotError(
        409, error_body(conflict_message(object_type, name, value, holder), "CONFLICT")
    )


def conflict_message(object_type: str, name: str, value: str, holder: str) -> str:
    """The message of a unique-value conflict (email: HubSpot's exact words)."""
    if name == "email":
        return f"Contact already exists. Existing ID: {holder}"
    singular = object_type.rstrip("s").capitalize()
    return f"{singular} with {name} {value[:80]!r} already exists. Existing ID: {holder}"


def conflict_item(object_type: str, name: str, value: str, holder: str) -> Body:
    """One refused input in a 207: HubSpot's error item (no ``errors``/``links`` keys)."""
    message = conflict_message(object_type, name, value, holder)
    context = {"existingId": [holder], "propertyName": [name]}
    return {"status": "error", "category": "CONFLICT", "message": message, "context": context}


def invalid_properties(problems: Sequence[PropertyProblem]) -> HubSpotError:
    """The whole batch is rejected: HubSpot validates every input before writing any."""
    listed = json.dumps([problem.legacy() for problem in problems])
    return bad_request(
        f"Property values were not valid: {listed}",
        errors=[problem.detail() for problem in problems],
    )


def rate_limit_body(policy: str) -> Body:
    """``TEN_SECONDLY_ROLLING`` for the burst limit, ``SECONDLY`` for the search limit,
    ``DAILY`` for the account's daily allowance."""
    message = f"You have reached your {policy.lower()} limit."
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
    }


def fault_body(status: int, policy: str) -> Body:
    """The body of an injected failure: what HubSpot answers with that status."""
    if status == 429:
        return rate_limit_body(policy)
    if status == 401:
        return error_body("The access token provided is invalid.", "INVALID_AUTHENTICATION")
    if status >= 500:
        return error_body("internal error")
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # HubSpot's own codes, e.g. 477 Migration in Progress
        reason = "error"
    return error_body(reason, "VALIDATION_ERROR" if status == 400 else None)


def missing_scopes(scope: str) -> HubSpotError:
    """HubSpot's 403 for a private app without ``scope`` (body as github
    HubSpot/hubspot-api-nodejs#268 quotes it)."""
    return HubSpotError(
        403,
        error_body(
            "This app hasn't been granted all required scopes to make this call. Read more about "
            "required scopes here: https://developers.hubspot.com/scopes.",
            "MISSING_SCOPES",
            errors=[
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredScopes": [scope]},
                }
            ],
            links={"scopes": "https://developers.hubspot.com/scopes"},
        ),
    )


def correlation_headers(body: object) -> dict[str, str]:
    """The correlation id header HubSpot sends with an error: the body's, or a fresh one."""
    found = body.get("correlationId") if isinstance(body, dict) else None
    return {"X-HubSpot-Correlation-Id": str(found or correlation_id())}
