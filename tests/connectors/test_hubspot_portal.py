"""Portal-wide HubSpot rejections map to ``Blocking`` errors; per-input ones do not."""

from __future__ import annotations

import json

import pytest

from connectors.crm.hubspot.batching import is_whole_batch_rejection
from connectors.crm.hubspot.errors import HubSpotRejected, translate_status
from syncd.errors import Blocking, CrmAuthError, CrmSetupError

# As HubSpot answers a missing scope (body quoted in github HubSpot/hubspot-api-nodejs#268).
MISSING_SCOPES = {
    "status": "error",
    "message": "This app hasn't been granted all required scopes to make this call.",
    "correlationId": "c-1",
    "errors": [
        {
            "message": "One or more of the following scopes are required.",
            "context": {"requiredScopes": ["crm.objects.contacts.write"]},
        }
    ],
    "category": "MISSING_SCOPES",
}
LEGACY_ONLY = {
    "status": "error",
    "message": "Property values were not valid: "
    + json.dumps(
        [
            {
                "isValid": False,
                "message": 'Property "nps_scor" does not exist',
                "error": "PROPERTY_DOESNT_EXIST",
                "name": "nps_scor",
            }
        ]
    ),
    "category": "VALIDATION_ERROR",
}
BAD_VALUE = {
    "status": "error",
    "message": "Property values were not valid",
    "errors": [
        {
            "message": "ten was not a valid number.",
            "code": "INVALID_INTEGER",
            "context": {"propertyName": ["nps_score"]},
        }
    ],
    "category": "VALIDATION_ERROR",
}


def test_missing_scope_names_the_scope_and_blocks() -> None:
    error = translate_status(403, json.dumps(MISSING_SCOPES).encode(), {})
    assert isinstance(error, CrmAuthError) and isinstance(error, Blocking)
    assert "crm.objects.contacts.write" in str(error)


def test_unknown_property_from_the_legacy_message_blocks_and_is_not_bisected() -> None:
    error = translate_status(400, json.dumps(LEGACY_ONLY), {})
    assert isinstance(error, CrmSetupError)
    assert "'nps_scor'" in str(error) and "[crm.fields]" in str(error)
    assert not is_whole_batch_rejection(error)


@pytest.mark.parametrize("body", [BAD_VALUE, {"message": "Property values were not valid"}, ""])
def test_a_bad_value_stays_a_per_input_rejection(body: object) -> None:
    error = translate_status(400, json.dumps(body) if body else body, {})
    assert isinstance(error, HubSpotRejected) and not isinstance(error, Blocking)
    assert is_whole_batch_rejection(error)


def test_bad_token_says_what_to_fix() -> None:
    error = translate_status(401, {"message": "The access token provided is invalid."}, {})
    assert isinstance(error, Blocking) and "[crm] access_token" in str(error)
