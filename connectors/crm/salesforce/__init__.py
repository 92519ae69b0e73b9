"""Salesforce CRM connector: ``SalesforceCrm`` over ``simple-salesforce`` (requests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.crm.salesforce.fields import SalesforceFieldNames
from connectors.crm.salesforce.settings import SalesforceSettings

if TYPE_CHECKING:
    from connectors.crm.salesforce.crm import SalesforceCrm

__all__ = ["SalesforceCrm", "SalesforceFieldNames", "SalesforceSettings"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "SalesforceCrm":
        from connectors.crm.salesforce.crm import SalesforceCrm

        return SalesforceCrm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
