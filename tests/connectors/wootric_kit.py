"""The Wootric fake on loopback and sources talking to it, shared by the Wootric tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.sources.wootric import WootricSettings, WootricSource
from connectors.sources.wootric.fake import WootricFake
from syncd.model import SourcePage
from syncd.sandbox.http import LoopbackServer, Request, Response

CLIENT_ID = "wt-client-0123456789"
CLIENT_SECRET = "wt-SECRET-0123456789abcdef"
HOOK_SECRET = "09dfb1b73af998743fb011f8bfda8912"
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

    fake: WootricFake
    base_url: str
    sleeps: Sleeps = field(default_factory=Sleeps)
    after: Callable[[Request], None] | None = None
    seen: list[Request] = field(default_factory=list)
    opened: list[WootricSource] = field(default_factory=list)

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
    holder: list[Kit] = []

    def app(request: Request) -> Response:
        response = fake(request)
        if holder:
            holder[0].seen.append(request)
            if holder[0].after is not None:
                holder[0].after(request)
        return response

    with LoopbackServer(app) as server:
        built = Kit(fake, f"{server.base_url}/v1")
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
