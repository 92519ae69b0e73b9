"""syncd's own properties, as ``syncd crm setup`` creates them on a portal.

A real portal starts with HubSpot's properties only, so the fake's does too; the sandbox world
runs this setup step first, and says so. The bodies are those of
``POST /crm/v3/properties/{objectType}`` (required: name, label, type, fieldType, groupName;
enumerations need options), grouped under one property group of syncd's own.
"""

from __future__ import annotations

from typing import Any

from connectors.crm.hubspot.fake.directory import new_property
from connectors.crm.hubspot.fake.schema import CONTACTS, TASKS
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.settings import HubSpotFieldNames
from connectors.crm.hubspot.setup import task_key_property

GROUP_NAME = "nps"
GROUP_LABEL = "NPS (syncd)"
_CATEGORIES = ("promoter", "passive", "detractor")


def _body(name: str, label: str, kind: str, field_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "groupName": GROUP_NAME,
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "description": "Set by syncd from the latest survey answer.",
        **extra,
    }


def contact_properties(fields: HubSpotFieldNames) -> list[dict[str, Any]]:
    """The create bodies of the contact properties syncd writes; disabled fields are skipped."""
    options = [
        {"label": value.capitalize(), "value": value, "hidden": False, "displayOrder": i}
        for i, value in enumerate(_CATEGORIES)
    ]
    bodies = [
        _body(fields.score, "NPS score", "number", "number"),
        _body(fields.category, "NPS category", "enumeration", "select", options=options),
        _body(fields.comment, "NPS comment", "string", "textarea"),
        _body(fields.responded_at, "NPS last response", "datetime", "date"),
        _body(fields.link, "NPS response link", "string", "text"),
        _body(fields.survey, "NPS survey", "string", "text"),
        _body(fields.source, "NPS source", "string", "text"),
    ]
    return [body for body in bodies if body["name"]]


def task_properties(fields: HubSpotFieldNames) -> list[dict[str, Any]]:
    """The unique task property that makes task creates upserts."""
    return [task_key_property(fields.task_key)]


def set_up(store: Store, fields: HubSpotFieldNames) -> None:
    """Create what is missing of syncd's group and properties; leave what exists alone."""
    for kind in (CONTACTS, TASKS):
        if store.schema.group(kind, GROUP_NAME) is None:
            store.schema.add_group(kind, GROUP_NAME, GROUP_LABEL, -1)
    wanted = [(CONTACTS, contact_properties(fields)), (TASKS, task_properties(fields))]
    for kind, bodies in wanted:
        for body in bodies:
            if store.schema.find(kind, str(body["name"])) is None:
                store.schema.define(kind, new_property(store, kind, body))
