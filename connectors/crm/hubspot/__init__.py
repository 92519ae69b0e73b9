"""HubSpot CRM connector: ``HubSpotCrm`` over ``hubspot-api-client`` (urllib3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.crm.hubspot.settings import HubSpotFieldNames, HubSpotSettings

if TYPE_CHECKING:
    from connectors.crm.hubspot.crm import HubSpotCrm

__all__ = ["HubSpotCrm", "HubSpotFieldNames", "HubSpotSettings"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "HubSpotCrm":
        from connectors.crm.hubspot.crm import HubSpotCrm

        return HubSpotCrm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
