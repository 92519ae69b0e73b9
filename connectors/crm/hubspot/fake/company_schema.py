"""Companies in the fake portal: the object type and the properties syncd reads of it.

A contact's primary company is the read-only contact property ``associatedcompanyid``, which
HubSpot keeps in step with the contact's primary company association (it has been read-only
since 2019: associations are made through the associations API).
"""

from __future__ import annotations

from connectors.crm.hubspot.fake.schema import COMPANIES, CONTACTS, PropertyDef, Schema

__all__ = ["COMPANIES", "PRIMARY_COMPANY", "install"]
COMPANY_GROUP = "companyinformation"
#: Path segments that name companies: the plural, the singular and the type id.
COMPANY_SEGMENTS = ("companies", "company", "0-2")
PRIMARY_COMPANY = "associatedcompanyid"


def company_properties() -> list[PropertyDef]:
    """The default company properties the fake knows."""
    group = COMPANY_GROUP
    return [
        PropertyDef("name", group=group),
        PropertyDef("domain", group=group),
        PropertyDef("hubspot_owner_id", "enumeration", "select", group, owner=True),
        PropertyDef("createdate", "datetime", "date", group, read_only=True),
        PropertyDef("hs_lastmodifieddate", "datetime", "date", group, read_only=True),
        PropertyDef("hs_object_id", "number", "number", group, read_only=True),
    ]


def primary_company_property() -> PropertyDef:
    """The contact's read-only primary company id."""
    return PropertyDef(PRIMARY_COMPANY, "number", "number", "contactinformation", read_only=True)


def install(schema: Schema) -> None:
    """Add companies, and the contact's primary company id, to a portal's schema."""
    schema.add_type(COMPANIES, COMPANY_GROUP, "Company information")
    for prop in company_properties():
        schema.define(COMPANIES, prop)
    schema.define(CONTACTS, primary_company_property())
