"""Notes in the fake portal: the object type and its default properties."""

from __future__ import annotations

from connectors.crm.hubspot.fake.schema import NOTES, PropertyDef, Schema

NOTE_GROUP = "noteinformation"
#: HubSpot's default association type id from a note to a contact.
NOTE_TO_CONTACT = 202


def install(schema: Schema) -> None:
    """Add notes to a portal's schema (a note key property is syncd's to create)."""
    group = NOTE_GROUP
    schema.add_type(NOTES, group, "Note information")
    for prop in (
        PropertyDef("hs_note_body", "string", "textarea", group),
        PropertyDef("hs_timestamp", "datetime", "date", group),
        PropertyDef("hubspot_owner_id", "enumeration", "select", group, owner=True),
        PropertyDef("hs_createdate", "datetime", "date", group, read_only=True),
        PropertyDef("hs_lastmodifieddate", "datetime", "date", group, read_only=True),
        PropertyDef("hs_object_id", "number", "number", group, read_only=True),
    ):
        schema.define(NOTES, prop)
