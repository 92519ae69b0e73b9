"""HubSpot CRM connector: ``HubSpotCrm`` over ``hubspot-api-client`` (urllib3)."""

from connectors.crm.hubspot.crm import HubSpotCrm
from connectors.crm.hubspot.settings import HubSpotFieldNames, HubSpotSettings

__all__ = ["HubSpotCrm", "HubSpotFieldNames", "HubSpotSettings"]
