"""A source fake on loopback, a hook after each answered request, and the sources built on it.

Shared by the vendor kits (``asknicely_kit``, ``wootric_kit``): each adds its settings and how
it builds its source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from syncd.model import SourcePage
from syncd.sandbox.http import Handler, LoopbackServer, Request, Response


class Sleeps(list[float]):
    """Records the retry waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class _Closable(Protocol):
    def close(self) -> None: ...


FakeT = TypeVar("FakeT")


@dataclass
class LoopbackKit(Generic[FakeT]):
    """A running fake, a hook after each answered request, and sources built against it."""

    fake: FakeT
    base_url: str
    sleeps: Sleeps = field(default_factory=Sleeps)
    after: Callable[[Request], None] | None = None
    #: Every request the fake answered, in order.
    seen: list[Request] = field(default_factory=list)
    #: Sources to close when the test ends.
    opened: list[_Closable] = field(default_factory=list)


KitT = TypeVar("KitT", bound=LoopbackKit[Any])


@contextmanager
def served(fake: Handler, path: str, make: Callable[[str], KitT]) -> Iterator[KitT]:
    """``make(base_url)`` against ``fake`` on loopback, ``path`` appended to the server's URL."""
    holder: list[KitT] = []

    def app(request: Request) -> Response:
        response = fake(request)
        if holder:
            holder[0].seen.append(request)
            if holder[0].after is not None:
                holder[0].after(request)
        return response

    with LoopbackServer(app) as server:
        built = make(f"{server.base_url}{path}")
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
