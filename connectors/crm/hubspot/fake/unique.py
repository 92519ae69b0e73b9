"""Lookups by unique-value properties (email, and custom properties created with
``hasUniqueValue``), served from an index the way HubSpot's batch read by ``idProperty`` is:
consistent at once, no scan of the portal."""

from __future__ import annotations

from collections.abc import Mapping

Key = tuple[str, str]  # (object type, property name)


class UniqueConflict(ValueError):
    """A write would give a second record a unique value that ``holder`` already has."""

    def __init__(self, object_type: str, name: str, value: str, holder: str) -> None:
        super().__init__(f"{object_type} {holder} already has {name} {value!r}")
        self.object_type, self.name, self.value, self.holder = object_type, name, value, holder


def normalise(name: str, value: str) -> str:
    """Emails are unique whatever their case; other unique values are compared as written."""
    text = value.strip()
    return text.lower() if name == "email" else text


class UniqueIndex:
    """Record id by (object type, property, value) for every property with unique values."""

    def __init__(self) -> None:
        self._ids: dict[Key, dict[str, str]] = {}

    def find(self, object_type: str, name: str, value: str) -> str | None:
        return self._ids.get((object_type, name), {}).get(normalise(name, value))

    def holder(self, object_type: str, name: str, value: str) -> str | None:
        """The record already holding ``value`` (a second one would break uniqueness)."""
        return self.find(object_type, name, value) if value else None

    def check(
        self,
        object_type: str,
        record_id: str | None,
        changed: Mapping[str, str],
        unique: frozenset[str],
    ) -> None:
        """Raise ``UniqueConflict`` if ``changed`` takes a value another record holds."""
        for name in sorted(unique.intersection(changed)):
            holder = self.holder(object_type, name, changed[name])
            if holder not in (None, record_id):
                raise UniqueConflict(object_type, name, changed[name], holder)

    def reindex(
        self,
        object_type: str,
        record_id: str,
        before: Mapping[str, str],
        changed: Mapping[str, str],
        unique: frozenset[str],
    ) -> None:
        """Move the record's entries for the unique properties among ``changed``."""
        self.check(object_type, record_id, changed, unique)
        for name in sorted(unique.intersection(changed)):
            ids = self._ids.setdefault((object_type, name), {})
            old = before.get(name)
            if old is not None and ids.get(normalise(name, old)) == record_id:
                del ids[normalise(name, old)]
            if changed[name]:
                ids[normalise(name, changed[name])] = record_id
