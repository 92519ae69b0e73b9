"""The hubspot-api-client instance every part of the connector talks through."""

from __future__ import annotations

from typing import Any

from hubspot import HubSpot

from connectors.crm.hubspot.settings import HubSpotSettings


def sdk_client(settings: HubSpotSettings) -> HubSpot:
    """A client for the configured portal and token.

    ``retry=False``: the transport and the daemon's outbox own retries, and urllib3 must never
    repeat a POST on its own.
    """
    return HubSpot(
        access_token=settings.access_token.get_secret_value(),
        host=settings.base_url,
        retry=False,
    )


def close_api(api: Any) -> None:
    """Drop the pooled connections of one SDK API object (``crm.contacts.batch_api``...)."""
    api.api_client.rest_client.pool_manager.clear()
    api.api_client.close()
