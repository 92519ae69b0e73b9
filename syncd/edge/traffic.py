"""Every HTTP answer a connector receives, told to whoever listens (the daemon's metrics).

A connector knows nothing of Prometheus: it reports one ``Exchange`` per answer, or per request
that got none, to its ``Traffic``, and the composition root subscribes the daemon's metrics.
The endpoint is a route template built from the URL path with every id-like segment replaced,
so a label never holds a contact, task or owner id.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from syncd.edge.rate_headers import RateHeaders

#: The outcome of a request that got no HTTP answer (refused, reset, timed out).
NETWORK = "network"
#: Path segments kept in a template: deeper ones add cardinality, not meaning.
MAX_SEGMENTS = 8
_VERSION = re.compile(r"^v\d+(\.\d+)?$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and how it ended: ``outcome`` is 2xx, 3xx, 4xx, 429, 5xx or network."""

    endpoint: str
    outcome: str
    rate: RateHeaders = field(default_factory=RateHeaders)


Observer = Callable[[Exchange], None]


class Traffic:
    """Where one connector reports its exchanges; observers must not raise (errors are eaten)."""

    def __init__(self) -> None:
        self._observers: list[Observer] = []
        self._lock = threading.Lock()

    def subscribe(self, observer: Observer) -> None:
        """Call ``observer`` with every later exchange."""
        with self._lock:
            self._observers.append(observer)

    def report(self, exchange: Exchange) -> None:
        """Tell every observer; a failing observer never fails the connector's call."""
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            with contextlib.suppress(Exception):  # metrics must never break delivery
                observer(exchange)


@runtime_checkable
class ReportsTraffic(Protocol):
    """A connector whose HTTP exchanges can be observed."""

    traffic: Traffic


def outcome_of(status: int | None) -> str:
    """The outcome class of an HTTP status; None (no answer) is ``network``."""
    if status is None:
        return NETWORK
    if status == 429:
        return "429"
    return f"{max(1, min(status // 100, 5))}xx"


def endpoint_of(url: str) -> str:
    """A route template from a URL: ``/crm/v3/objects/tasks/batch/upsert`` ->
    ``crm.objects.tasks.batch.upsert``; API versions dropped, id-like segments become ``id``."""
    parts: list[str] = []
    for segment in urlsplit(url).path.split("/"):
        if not segment or _VERSION.match(segment):
            continue
        parts.append(segment if _WORD.match(segment) else "id")
        if len(parts) == MAX_SEGMENTS:
            break
    return ".".join(parts) or "root"
