"""The fake org's records: every object by id, plus the indexes lookups use.

Indexes cover Email and every external-id or unique field, keyed by the lower-cased value
(SOQL compares text without case), so a lookup of 200 emails costs 200 dictionary reads however
many contacts the org holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from connectors.crm.salesforce.fake.ids import IdMaker, id15
from connectors.crm.salesforce.fake.schema import Schema

Record = dict[str, Any]

#: The TaskStatus picklist of a new org, and which values close a task (IsClosed).
TASK_STATUSES: dict[str, bool] = {
    "Not Started": False,
    "In Progress": False,
    "Completed": True,
    "Waiting on someone else": False,
    "Deferred": False,
}
TASK_PRIORITIES = ("High", "Normal", "Low")


class Org:
    """Records by object and id; ids compare on their 15-character case-sensitive form."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.schema = Schema.fresh()
        self.ids = IdMaker()
        self._records: dict[str, dict[str, Record]] = defaultdict(dict)
        self._index: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.deleted: set[str] = set()
        self._last_stamp: datetime | None = None

    def stamp(self) -> datetime:
        """A modification time that never goes backwards."""
        now = self.clock()
        if self._last_stamp is not None and now < self._last_stamp:
            now = self._last_stamp
        self._last_stamp = now
        return now

    def get(self, record_id: str) -> Record | None:
        """The live record with this id (15 or 18 characters), whatever its object."""
        sobject = self.ids.sobject_of(record_id)
        if sobject is None:
            return None
        return self._records[sobject].get(id15(record_id))

    def of(self, sobject: str) -> Iterator[Record]:
        """Every live record of ``sobject``."""
        return iter(list(self._records[sobject].values()))

    def insert(self, sobject: str, values: Mapping[str, Any]) -> Record:
        """Create a record with audit fields; returns it."""
        now = self.stamp()
        record_id = self.ids.new(sobject)
        record: Record = {
            **values,
            "Id": record_id,
            "CreatedDate": now,
            "LastModifiedDate": now,
            "SystemModstamp": now,
            "IsDeleted": False,
        }
        self._records[sobject][id15(record_id)] = record
        self._reindex(sobject, record, {})
        return record

    def change(self, record: Record, values: Mapping[str, Any], *, touch: bool = True) -> None:
        """Write ``values`` onto ``record`` and move its modification stamps."""
        sobject = self.ids.sobject_of(record["Id"]) or ""
        before = dict(record)
        record.update(values)
        if touch:
            now = self.stamp()
            record["LastModifiedDate"] = record["SystemModstamp"] = now
        self._reindex(sobject, record, before)

    def delete(self, record_id: str) -> None:
        """Move a record to the recycle bin: later writes to it get ``ENTITY_IS_DELETED``."""
        record = self.get(record_id)
        if record is None:
            return
        sobject = self.ids.sobject_of(record_id) or ""
        self._reindex(sobject, {}, record)
        del self._records[sobject][id15(record_id)]
        self.deleted.add(id15(record_id))

    def lookup(self, sobject: str, field: str, values: Iterable[object]) -> list[Record] | None:
        """Records whose indexed ``field`` holds one of ``values``; None if it is not indexed."""
        index = self._index.get((sobject, field))
        if field not in self.schema.indexed(sobject):
            return None
        found: dict[str, Record] = {}
        for value in values:
            for key in (index or {}).get(str(value).lower(), ()):
                record = self._records[sobject].get(key)
                if record is not None:
                    found[key] = record
        return list(found.values())

    def _reindex(self, sobject: str, record: Mapping[str, Any], before: Mapping[str, Any]) -> None:
        key = id15(str(record.get("Id") or before.get("Id")))
        for field in self.schema.indexed(sobject):
            old, new = before.get(field), record.get(field)
            if old == new:
                continue
            index = self._index[(sobject, field)]
            if old is not None:
                index[str(old).lower()].discard(key)
            if new is not None:
                index[str(new).lower()].add(key)

    def reindex_field(self, sobject: str, field: str) -> None:
        """Build the index of a field that just became indexed (a new external id)."""
        index = self._index[(sobject, field)]
        index.clear()
        for key, record in self._records[sobject].items():
            if record.get(field) is not None:
                index[str(record[field]).lower()].add(key)
