"""End users (email, external id, properties) for the responses that only name their id.

The responses listing carries ``end_user_id``; whether it also embeds the end user is documented
only by a third party [api-evangelist/wootric openapi; the tap's schema has no ``end_user``].
An embedded one is used as is; otherwise ``GET end_users/{id}`` [docs.wootric.com/api], once per
id while it stays in the cache. A user that no longer exists (404) is remembered as unknown, so
the response still goes on with its end user id.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from connectors.sources.wootric.client import WootricClient
from syncd.edge.values import optional_identifier
from syncd.errors import SourceRejected

EndUser = dict[str, object]


class EndUsers:
    """End users by id, fetched on demand and kept in a bounded LRU cache."""

    def __init__(self, client: WootricClient, capacity: int) -> None:
        self._client, self._capacity = client, capacity
        self._cache: OrderedDict[str, EndUser] = OrderedDict()
        self.fetched = 0

    def complete(self, items: Iterable[object]) -> list[object]:
        """``items`` with an ``end_user`` object on every response that names a known user."""
        return [self._with_user(item) for item in items]

    def _with_user(self, item: object) -> object:
        if not isinstance(item, dict) or isinstance(item.get("end_user"), dict):
            return item
        user_id = optional_identifier(item.get("end_user_id"), "end_user_id")
        return item if user_id is None else {**item, "end_user": self._get(user_id)}

    def _get(self, user_id: str) -> EndUser:
        cached = self._cache.get(user_id)
        if cached is not None:
            self._cache.move_to_end(user_id)
            return cached
        try:
            body = self._client.get(f"end_users/{user_id}")
        except SourceRejected:  # 404: deleted since; the id alone still identifies them
            body = {}
        user: EndUser = body if isinstance(body, dict) else {}
        self.fetched += 1
        if self._capacity:
            self._cache[user_id] = user
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        return user
