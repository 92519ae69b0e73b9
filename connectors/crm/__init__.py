"""CRM connectors (``syncd.contracts.Crm`` implementations)."""
