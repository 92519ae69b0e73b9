"""Salesforce CRM connector: ``SalesforceCrm`` over ``simple-salesforce`` (requests)."""

from connectors.crm.salesforce.crm import SalesforceCrm
from connectors.crm.salesforce.fields import SalesforceFieldNames
from connectors.crm.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceCrm", "SalesforceFieldNames", "SalesforceSettings"]
