"""A stateful fake Salesforce org served on loopback HTTP, for simple-salesforce.

Point the connector at it with ``base_url = server.base_url``: it issues tokens from
``/services/oauth2/token`` and serves the data and Tooling APIs under ``/services/data/``.
"""

from connectors.crm.salesforce.fake.app import SalesforceFake

__all__ = ["SalesforceFake"]
