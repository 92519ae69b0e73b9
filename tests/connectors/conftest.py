"""The HubSpot fake on loopback and a ``HubSpotCrm`` talking to it, for connector tests.

A test module may override ``fake`` (e.g. to define a property first); ``crm`` follows it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.settings import HubSpotSettings
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token"


@pytest.fixture
def fake() -> HubSpotFake:
    return HubSpotFake(TOKEN)


@pytest.fixture
def crm(fake: HubSpotFake) -> Iterator[HubSpotCrm]:
    with LoopbackServer(fake) as server:
        settings = HubSpotSettings.model_validate(
            {"base_url": server.base_url, "access_token": TOKEN}
        )
        client = HubSpotCrm("hubspot", settings, sleep=lambda _: None)
        yield client
        client.close()
