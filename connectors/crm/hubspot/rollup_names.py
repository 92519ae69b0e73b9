"""The company properties of the roll-up (``[crm] company_rollup``) and the bodies that create them.

HubSpot has no account-level NPS, so syncd keeps three number properties on each contact's
primary company. Bodies follow ``POST /crm/v3/properties/companies`` (``groupName``, ``name``,
``label``, ``type`` and ``fieldType`` required) and sit in one company property group, named like
the contact one, so an admin finds them together on the company record.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: The company property group the roll-up's properties are created in.
COMPANY_GROUP = {"name": "nps", "label": "NPS", "displayOrder": -1}


class RollupPropertyNames(BaseModel):
    """Company properties of the roll-up: the latest score, NPS over the window (-100 to 100)
    and the open follow-up tasks syncd created for detractors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latest: str = Field(default="nps_latest_score", min_length=1)
    window: str = Field(default="nps_window_nps", min_length=1)
    open_detractor_followups: str = Field(default="nps_open_detractor_followups", min_length=1)


#: [crm.rollup_fields] name -> (label, description).
_SHAPES = {
    "latest": ("NPS latest score", "Score (0-10) of the latest answer of the company's contacts."),
    "window": (
        "NPS over window",
        "NPS (-100 to 100) of the contacts who answered within [crm] rollup_window_days.",
    ),
    "open_detractor_followups": (
        "Open detractor follow-ups",
        "Open follow-up tasks syncd created for the company's detractors.",
    ),
}


def company_property(field: str, name: str) -> dict[str, Any]:
    """The create body of the company number property holding ``[crm.rollup_fields] field``."""
    label, description = _SHAPES[field]
    return {
        "groupName": COMPANY_GROUP["name"],
        "name": name,
        "label": label,
        "type": "number",
        "fieldType": "number",
        "description": f"Set by syncd. {description}",
        "formField": False,
    }


def company_properties(names: RollupPropertyNames) -> list[dict[str, Any]]:
    """The create bodies of the three roll-up properties."""
    return [company_property(field, name) for field, name in names.model_dump().items()]
