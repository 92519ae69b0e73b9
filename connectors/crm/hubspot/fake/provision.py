"""syncd's own properties, created in the fake as ``syncd crm setup`` creates them on a portal.

A real portal starts with HubSpot's properties only, so the fake's does too. Tests that are not
about setup call ``HubSpotFake.set_up()``, which defines the same bodies the connector's setup
sends (``connectors/crm/hubspot/properties.py`` and ``setup.py``), so the two cannot drift; the
demo runs the connector's own ``setup()`` over HTTP instead.
"""

from __future__ import annotations

from connectors.crm.hubspot.fake.directory import new_property
from connectors.crm.hubspot.fake.schema import COMPANIES, CONTACTS, TASKS
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.properties import GROUP, contact_properties
from connectors.crm.hubspot.rollup_names import (
    COMPANY_GROUP,
    RollupPropertyNames,
    company_properties,
)
from connectors.crm.hubspot.settings import HubSpotFieldNames
from connectors.crm.hubspot.setup import task_key_property


def set_up(
    store: Store, fields: HubSpotFieldNames, rollup: RollupPropertyNames | None = None
) -> None:
    """Create what is missing of syncd's group and properties; leave what exists alone.

    ``rollup``: also the company group and properties of ``[crm] company_rollup``."""
    groups = [(CONTACTS, GROUP), (TASKS, GROUP), *([(COMPANIES, COMPANY_GROUP)] if rollup else [])]
    for kind, group in groups:
        if store.schema.group(kind, str(group["name"])) is None:
            store.schema.add_group(kind, str(group["name"]), str(group["label"]), -1)
    wanted = [
        (CONTACTS, [body for _, body in contact_properties(fields)]),
        (TASKS, [task_key_property(fields.task_key)]),
        (COMPANIES, company_properties(rollup) if rollup else []),
    ]
    for kind, bodies in wanted:
        for body in bodies:
            if store.schema.find(kind, str(body["name"])) is None:
                store.schema.define(kind, new_property(store, kind, body))
