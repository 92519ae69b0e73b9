"""A faithful, stateful fake of the HubSpot CRM API, served on loopback HTTP.

Point the real SDK at it: ``HubSpot(access_token=fake_token, host=server.base_url)``.
"""

from connectors.crm.hubspot.fake.app import HubSpotFake

__all__ = ["HubSpotFake"]
