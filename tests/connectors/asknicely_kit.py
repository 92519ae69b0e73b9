"""The AskNicely fake on loopback and sources talking to it, shared by the AskNicely tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.sources.asknicely import AskNicelySettings, AskNicelySource
from connectors.sources.asknicely.fake import AskNicelyFake
from syncd.model import SourcePage
from syncd.sandbox.http import LoopbackServer, Request, Response

KEY = "ak-live-SECRET-0123456789"
SECRET = "hook-secret-0123456789abcdef"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1_717_200_000
NOW = datetime(2024, 6, 20, tzinfo=UTC)


class Sleeps(list[float]):
    """Records the retry waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Kit:
    """A running fake, a hook after each answered request, and sources built against it."""

    fake: AskNicelyFake
    base_url: str
    sleeps: Sleeps = field(default_factory=Sleeps)
    after: Callable[[Request], None] | None = None
    opened: list[AskNicelySource] = field(default_factory=list)

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
    holder: list[Kit] = []

    def app(request: Request) -> Response:
        response = fake(request)
        if holder and holder[0].after is not None:
            holder[0].after(request)
        return response

    with LoopbackServer(app) as server:
        built = Kit(fake, f"{server.base_url}/api/v1")
        holder.append(built)
        yield built
        for source in built.opened:
            source.close()


def responses(pages: list[SourcePage]) -> dict[str, int]:
    """Each response id read, with the highest version seen."""
    seen: dict[str, int] = {}
    for page in pages:
        for response in page.responses:
            seen[response.response_id] = max(seen.get(response.response_id, 0), response.version)
    return seen
