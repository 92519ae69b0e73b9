"""The contact properties syncd writes, as the bodies that create them in a portal.

Bodies follow ``POST /crm/v3/properties/contacts`` (``groupName``, ``name``, ``label``, ``type``
and ``fieldType`` required; enumerations need ``options``), and all of them sit in one group so
an admin finds them together on the contact record.
"""

from __future__ import annotations

from typing import Any

from connectors.crm.hubspot.settings import HubSpotFieldNames

#: The contact property group syncd's properties are created in.
GROUP = {"name": "nps", "label": "NPS", "displayOrder": -1}

_CATEGORIES = ("promoter", "passive", "detractor")

#: [crm.fields] name -> (label, type, fieldType, description).
_SHAPES: dict[str, tuple[str, str, str, str]] = {
    "score": ("NPS score", "number", "number", "Latest NPS score, 0-10."),
    "category": ("NPS category", "enumeration", "select", "Promoter, passive or detractor."),
    "comment": ("NPS comment", "string", "textarea", "Comment of the latest NPS answer."),
    "responded_at": ("NPS last response at", "datetime", "date", "When the latest answer came."),
    "link": (
        "NPS response link",
        "string",
        "text",
        "Link to the latest answer in the survey tool.",
    ),
    "survey": ("NPS survey", "string", "text", "Survey of the latest answer."),
    "source": ("NPS source", "string", "text", "Survey tool of the latest answer."),
    "loop_closed_at": ("NPS loop closed at", "datetime", "date", "When the follow-up closed."),
}


def contact_property(field: str, name: str) -> dict[str, Any]:
    """The create body of the contact property that holds ``[crm.fields] field``."""
    label, kind, field_type, description = _SHAPES[field]
    body: dict[str, Any] = {
        "groupName": GROUP["name"],
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "description": f"Set by syncd. {description}",
        "formField": False,
    }
    if kind == "enumeration":
        body["options"] = [
            {"label": value.capitalize(), "value": value, "hidden": False, "displayOrder": index}
            for index, value in enumerate(_CATEGORIES)
        ]
    return body


def contact_properties(names: HubSpotFieldNames) -> list[tuple[str, dict[str, Any]]]:
    """(field, create body) for every enabled contact field (an empty name disables a field)."""
    return [
        (field, contact_property(field, name))
        for field, name in names.model_dump().items()
        if field in _SHAPES and name
    ]
