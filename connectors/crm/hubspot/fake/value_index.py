"""Record ids by the value of a few properties: search by them reads only the records that match.

HubSpot's search is served by an index; the fake's would otherwise scan every record per request,
which a portal of 100,000 contacts makes slow. The index holds every value a record's property
ever had (a superset of what the lagging search snapshot shows), and search still checks every
filter on the snapshot, so the narrowing never changes an answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectors.crm.hubspot.fake.company_schema import PRIMARY_COMPANY
from connectors.crm.hubspot.fake.filters import Filter, Key, key
from connectors.crm.hubspot.fake.schema import CONTACTS, Schema

#: The properties indexed per object type: those syncd searches by equality.
INDEXED = {CONTACTS: (PRIMARY_COMPANY,)}
_EQUALITY = ("EQ", "IN")


class ValueIndex:
    """(object type, property) -> comparison key of a value -> ids of records that had it."""

    def __init__(self, schema: Schema) -> None:
        self._schema = schema
        self._ids: dict[tuple[str, str], dict[Key, set[str]]] = {}

    def add(self, object_type: str, record_id: str, changes: Mapping[str, str]) -> None:
        """File the record under the new values of its indexed properties."""
        for name in INDEXED.get(object_type, ()):
            raw = changes.get(name)
            prop = self._schema.find(object_type, name)
            value = None if not raw or prop is None else key(prop, raw)
            if value is not None:
                by_value = self._ids.setdefault((object_type, name), {})
                by_value.setdefault(value, set()).add(record_id)

    def narrow(self, object_type: str, groups: Sequence[Sequence[Filter]]) -> set[str] | None:
        """Ids that can match: each ORed group must hold an EQ/IN filter on an indexed property.

        None when some group has none: the caller reads every record.
        """
        if not groups:
            return None
        found: set[str] = set()
        for group in groups:
            usable = [
                f
                for f in group
                if f.operator in _EQUALITY and f.prop.name in INDEXED.get(object_type, ())
            ]
            if not usable:
                return None
            f = usable[0]
            by_value = self._ids.get((object_type, f.prop.name), {})
            for value in (f.value,) if f.operator == "EQ" else f.values:
                found |= by_value.get(value, set())
        return found
