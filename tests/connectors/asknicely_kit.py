"""The AskNicely fake on loopback and sources talking to it, shared by the AskNicely tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.sources.asknicely import AskNicelySettings, AskNicelySource
from connectors.sources.asknicely.fake import AskNicelyFake
from tests.connectors.loopback_kit import LoopbackKit, served

KEY = "ak-live-SECRET-0123456789"
SECRET = "hook-secret-0123456789abcdef"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1_717_200_000
NOW = datetime(2024, 6, 20, tzinfo=UTC)


@dataclass
class Kit(LoopbackKit[AskNicelyFake]):
    """The AskNicely fake on loopback and AskNicely sources built against it."""

    def settings(self, **overrides: Any) -> AskNicelySettings:
        values: dict[str, Any] = {
            "base_url": self.base_url,
            "api_key": KEY,
            "requests_per_second": 1000,
            "page_size": 20,
            "webhook_secret": SECRET,
        }
        return AskNicelySettings.model_validate(values | overrides)

    def source(
        self,
        *,
        clock: Callable[[], datetime] = lambda: NOW,
        transport: httpx.BaseTransport | None = None,
        **overrides: Any,
    ) -> AskNicelySource:
        built = AskNicelySource(
            "asknicely",
            self.settings(**overrides),
            sleep=self.sleeps,
            clock=clock,
            transport=transport,
        )
        self.opened.append(built)
        return built


@pytest.fixture
def kit() -> Iterator[Kit]:
    fake = AskNicelyFake(KEY, clock=lambda: NOW)
    with served(fake, "/api/v1", lambda base_url: Kit(fake, base_url)) as built:
        yield built
