"""HubSpot answers that reject the portal's setup, not one input: every call would fail alike.

- 401: the access token is missing, invalid or revoked (``INVALID_AUTHENTICATION``).
- 403 ``MISSING_SCOPES``: the app lacks a scope; HubSpot names the ones it needs in
  ``errors[].context.requiredScopes`` (body quoted in github HubSpot/hubspot-api-nodejs#268).
- 400 ``VALIDATION_ERROR`` "Property values were not valid" whose problems include
  ``PROPERTY_DOESNT_EXIST`` (or a read-only property): a property name from ``[crm.fields]`` is
  wrong, so every batch carrying it fails (crm-api-facts §2.3: ``errors[].code``; the legacy form
  embeds ``[{"isValid":false,"error":"PROPERTY_DOESNT_EXIST","name":...}]`` in ``message``).

These become ``Blocking`` errors: the deliver stage stops and keeps its work pending, and the
batch bisection never splits them, since halving a batch cannot isolate a portal-wide problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from syncd.errors import CrmAuthError, CrmError, CrmSetupError

#: Property problems that are about the property itself, whatever the value.
SETUP_CODES = frozenset({"PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE"})
_LEGACY = re.compile(r"Property values were not valid: (\[.*\])", re.DOTALL)
_FIX = {
    "PROPERTY_DOESNT_EXIST": "does not exist in HubSpot",
    "READ_ONLY_VALUE": "is read-only in HubSpot",
}


def portal_error(status: int, body: object, described: str) -> CrmError | None:
    """The ``Blocking`` error for a portal-wide rejection, or None for anything else."""
    data = _dict(_json(body))
    if status == 401:
        return CrmAuthError(
            f"{described}. The access token is invalid or revoked: set a valid private app "
            "token in [crm] access_token"
        )
    if status == 403:
        return CrmAuthError(f"{described}. {_scopes_hint(data)}")
    if status == 400:
        problems = sorted(set(_setup_problems(data)))
        if problems:
            return CrmSetupError(_describe(problems))
    return None


def _describe(problems: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"property {name!r} {_FIX[code]} ({code})" for code, name in problems)
    return (
        f"HubSpot rejects the configured properties: {listed}. Correct the name under "
        "[crm.fields] or create the property in HubSpot; delivery waits until then"
    )


def _scopes_hint(data: Mapping[str, Any]) -> str:
    scopes = sorted(
        {
            str(scope)
            for error in _dicts(data.get("errors"))
            for scope in _strings(_dict(error.get("context")).get("requiredScopes"))
        }
    )
    needed = f" (needs: {', '.join(scopes)})" if scopes else ""
    return f"The private app lacks a scope{needed}: grant it in HubSpot and keep the same token"


def _setup_problems(data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(code, property name) of each setup problem, from ``errors[]`` and the legacy message."""
    for error in _dicts(data.get("errors")):
        code = str(error.get("code") or "")
        names = _strings(_dict(error.get("context")).get("propertyName"))
        if code in SETUP_CODES:
            yield from ((code, str(name)) for name in names or ["?"])
    legacy = _LEGACY.search(str(data.get("message") or ""))
    for item in _dicts(_json(legacy.group(1)) if legacy else None):
        code = str(item.get("error") or "")
        if code in SETUP_CODES:
            yield code, str(item.get("name") or "?")


def _json(body: object) -> Any:
    if isinstance(body, dict | list):
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
