"""What a route sees and returns: plain values, so handlers never depend on the server.

Webhook intake, the dashboard and the probes are each a ``Handler``; the server that calls them
(and the framework under it) can change without touching them, and tests call them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request, its body already read (and bounded) by the server.

    ``headers`` keys are lower-case; ``path`` has no query string; ``query`` keeps the first
    value of each parameter.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response; ``content_type`` defaults to JSON."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


#: A route: one request in, one response out; it must not raise (the server answers 500 if it
#: does, and logs it).
Handler = Callable[[Request], Response]
