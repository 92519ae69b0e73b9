"""The Wootric fake on loopback and sources talking to it, shared by the Wootric tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.sources.wootric import WootricSettings, WootricSource
from connectors.sources.wootric.fake import WootricFake
from syncd.sandbox.http import Request
from tests.connectors.loopback_kit import LoopbackKit, served

CLIENT_ID = "wt-client-0123456789"
CLIENT_SECRET = "wt-SECRET-0123456789abcdef"
HOOK_SECRET = "09dfb1b73af998743fb011f8bfda8912"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1_717_200_000
NOW = datetime(2024, 6, 20, tzinfo=UTC)


@dataclass
class Kit(LoopbackKit[WootricFake]):
    """The Wootric fake on loopback and Wootric sources built against it."""

    def settings(self, **overrides: Any) -> WootricSettings:
        values: dict[str, Any] = {
            "base_url": self.base_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "requests_per_second": 1000,
            "page_size": 20,
            "webhook_secret": HOOK_SECRET,
        }
        return WootricSettings.model_validate(values | overrides)

    def source(
        self, *, monotonic: Callable[[], float] | None = None, **overrides: Any
    ) -> WootricSource:
        extra: dict[str, Any] = {} if monotonic is None else {"monotonic": monotonic}
        built = WootricSource(
            "wootric", self.settings(**overrides), sleep=self.sleeps, clock=lambda: NOW, **extra
        )
        self.opened.append(built)
        return built

    def listing_requests(self) -> list[Request]:
        return [r for r in self.seen if r.path.endswith("/responses")]


@pytest.fixture
def kit() -> Iterator[Kit]:
    fake = WootricFake(CLIENT_ID, CLIENT_SECRET, clock=lambda: NOW)
    with served(fake, "/v1", lambda base_url: Kit(fake, base_url)) as built:
        yield built
