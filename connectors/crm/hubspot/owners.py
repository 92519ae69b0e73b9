"""The portal's owners, listed at most once per ``owners_ttl_seconds``.

Owners change rarely (a hire, a leaver), while the deliver stage asks for them on every pass: a
fresh listing each pass was the largest share of an idle daemon's calls. A create that HubSpot
refuses for an unknown owner id (``INVALID_OWNER_ID``) means the list is stale, so the next
request lists them again at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from connectors.crm.hubspot.records import Page
from syncd.errors import SyncdError
from syncd.model import Owner

#: HubSpot's error code for a ``hubspot_owner_id`` that names no active owner.
UNKNOWN_OWNER = "INVALID_OWNER_ID"


class OwnerCache:
    """Owners from ``fetch``, kept for ``ttl`` seconds of ``clock``; ``ttl`` 0 keeps nothing."""

    def __init__(
        self, fetch: Callable[[], Sequence[Owner]], ttl: float, clock: Callable[[], float]
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._owners: Sequence[Owner] = ()
        self._expires: float | None = None

    def get(self) -> Sequence[Owner]:
        """The cached owners while fresh, else a new listing (its errors propagate)."""
        with self._lock:
            if self._expires is not None and self._clock() < self._expires:
                return self._owners
        owners = list(self._fetch())
        with self._lock:
            self._owners, self._expires = owners, self._clock() + self._ttl
        return owners

    def invalidate(self) -> None:
        """Forget the listing: the next ``get`` lists the owners again."""
        with self._lock:
            self._expires = None

    def check_outcome(self, outcome: Mapping[str, str | SyncdError]) -> None:
        """Invalidate when a create was refused for an owner id the portal no longer has."""
        if any(
            UNKNOWN_OWNER in str(value) for value in outcome.values() if not isinstance(value, str)
        ):
            self.invalidate()


def every_owner(page: Callable[[str | None], Page[Owner]]) -> list[Owner]:
    """Every active (not archived) owner of the portal, ``page`` by ``page`` (its cursor)."""
    owners: list[Owner] = []
    after: str | None = None
    while True:
        answer = page(after)
        owners.extend(answer.items)
        if answer.after is None:
            return owners
        after = answer.after
