"""The fake portal's records, owners and associations, plus the lagging search index."""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.crm.hubspot.fake import company_schema, note_schema
from connectors.crm.hubspot.fake.errors import Body
from connectors.crm.hubspot.fake.schema import COMPANIES, CONTACTS, NOTES, TASKS, Schema
from connectors.crm.hubspot.fake.timefmt import as_utc, epoch_ms, iso
from connectors.crm.hubspot.fake.unique import UniqueIndex
from connectors.crm.hubspot.fake.value_index import ValueIndex

OBJECT_TYPES = (CONTACTS, TASKS, COMPANIES, NOTES)
CREATED = {
    CONTACTS: "createdate",
    TASKS: "hs_createdate",
    COMPANIES: "createdate",
    NOTES: "hs_createdate",
}
MODIFIED = {
    CONTACTS: "lastmodifieddate",
    TASKS: "hs_lastmodifieddate",
    COMPANIES: "hs_lastmodifieddate",
    NOTES: "hs_lastmodifieddate",
}
COMPLETED = "COMPLETED"


@dataclass(slots=True)
class Record:
    """A contact or a task. ``properties`` holds only set values, all strings, datetimes in ISO.

    ``versions`` is what the search index has seen: (change time, properties after the change).
    Search serves the newest version older than the index lag, so a fresh change is invisible
    to search for a while, exactly as in HubSpot.
    """

    id: str
    object_type: str
    properties: dict[str, str]
    versions: list[tuple[datetime, dict[str, str]]] = field(default_factory=list)
    #: The latest change time ever applied (epoch ms); a back-dated change does not lower it.
    latest_ms: int | None = None

    def indexed(self, cutoff: datetime) -> dict[str, str] | None:
        # Append order, not time order: a change back-dated with ``at=`` is still the newest.
        seen = [props for at, props in self.versions if at <= cutoff]
        return seen[-1] if seen else None


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    primary: bool


@dataclass(slots=True)
class Owner:
    """A HubSpot user who can own records. ``id`` (not ``userId``) goes into hubspot_owner_id."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    teams: tuple[Team, ...]
    archived: bool
    created_at: str

    def to_json(self) -> Body:
        return {
            "id": self.id,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            # Deactivated users keep only userIdIncludingInactive, as in HubSpot.
            "userId": None if self.archived else self.user_id,
            "userIdIncludingInactive": self.user_id,
            "type": "PERSON",
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
            "archived": self.archived,
            "teams": [{"id": t.id, "name": t.name, "primary": t.primary} for t in self.teams],
        }


class Store:
    """All state of the fake portal. Not thread-safe: the app holds its lock around every use."""

    def __init__(self, clock: Callable[[], datetime], search_lag_seconds: float) -> None:
        self._clock = clock
        self.lag = timedelta(seconds=search_lag_seconds)
        self.schema = Schema(iso(self.now()))
        company_schema.install(self.schema)
        note_schema.install(self.schema)
        self.note_links: dict[str, list[str]] = {}  # note id -> contact ids
        self._records: dict[str, dict[str, Record]] = {kind: {} for kind in OBJECT_TYPES}
        self.unique = UniqueIndex()
        self.values = ValueIndex(self.schema)  # search by company id reads only its contacts
        self._links: dict[str, list[str]] = {}  # task id -> contact ids
        self._linked: dict[str, list[str]] = {}  # contact id -> task ids
        #: (latest change ms, id) per object type, sorted: search reads only records changed
        #: since a lower bound instead of scanning the portal.
        self._by_change: dict[str, list[tuple[int, int]]] = {kind: [] for kind in OBJECT_TYPES}
        self._stale: dict[str, int] = dict.fromkeys(OBJECT_TYPES, 0)
        #: Test-only: make upserts ignore ``idProperty`` and create every time (a plain create).
        self.upserts_create_always = False
        self.owners: dict[str, Owner] = {}
        self._teams: dict[str, str] = {}  # team name -> id
        self._ids = {
            CONTACTS: itertools.count(101),
            TASKS: itertools.count(9001),
            COMPANIES: itertools.count(20001),
            NOTES: itertools.count(60001),
        }
        self._owner_ids = itertools.count(5001)
        self._user_ids = itertools.count(7001)
        self._team_ids = itertools.count(301)

    def now(self) -> datetime:
        return as_utc(self._clock())

    # records

    def create(
        self, object_type: str, properties: Mapping[str, str], at: datetime | None = None
    ) -> Record:
        self.check_unique(object_type, None, properties)  # refused before the record exists
        moment = self.now() if at is None else as_utc(at)
        record = Record(str(next(self._ids[object_type])), object_type, {})
        stamp = iso(moment)
        record.properties = {"hs_object_id": record.id, CREATED[object_type]: stamp}
        if object_type == TASKS:
            properties = {"hs_task_status": "NOT_STARTED", **properties}
        self._records[object_type][record.id] = record
        self.change(record, properties, moment)
        return record

    def change(
        self, record: Record, changes: Mapping[str, str], at: datetime | None = None
    ) -> None:
        """Apply ``changes`` ("" clears a value), bump the modification date, index a version."""
        moment = self.now() if at is None else as_utc(at)
        updates = dict(changes)
        if record.object_type == TASKS:
            _completion_rule(record.properties, updates, moment)
        unique = self.schema.unique(record.object_type)
        self.unique.reindex(record.object_type, record.id, record.properties, updates, unique)
        self.values.add(record.object_type, record.id, updates)
        for name, value in updates.items():
            if value == "":
                record.properties.pop(name, None)
            else:
                record.properties[name] = value
        record.properties[MODIFIED[record.object_type]] = iso(moment)
        record.versions.append((moment, dict(record.properties)))
        self._prune(record)
        self._refile(record, epoch_ms(moment))

    def _refile(self, record: Record, changed_ms: int) -> None:
        if record.latest_ms is not None and record.latest_ms >= changed_ms:
            return
        keys = self._by_change[record.object_type]
        # The old entry stays, stale (readers skip it), and is swept once stale entries are
        # half the list: deleting from the middle of a list is a memmove of the rest, which
        # made seeding a million contacts quadratic.
        if record.latest_ms is not None:
            self._stale[record.object_type] += 1
        record.latest_ms = changed_ms
        entry = (changed_ms, int(record.id))
        if not keys or keys[-1] <= entry:
            keys.append(entry)  # the usual case: time moves forward
        else:
            insort(keys, entry)
        if self._stale[record.object_type] > max(1000, len(keys) // 2):
            self._sweep(record.object_type)

    def _sweep(self, object_type: str) -> None:
        records = self._records[object_type]
        self._by_change[object_type] = [
            (ms, record_id)
            for ms, record_id in self._by_change[object_type]
            if (record := records.get(str(record_id))) is not None and record.latest_ms == ms
        ]
        self._stale[object_type] = 0

    def _prune(self, record: Record) -> None:
        # Keep the newest version the index already serves, and everything after it.
        cutoff = self.now() - self.lag
        served = [i for i, (at, _) in enumerate(record.versions) if at <= cutoff]
        if served:
            del record.versions[: served[-1]]

    def check_unique(
        self, object_type: str, record_id: str | None, changes: Mapping[str, str]
    ) -> None:
        """Raise ``UniqueConflict`` before writing if ``changes`` reuse a taken unique value."""
        self.unique.check(object_type, record_id, changes, self.schema.unique(object_type))

    def get(self, object_type: str, record_id: str) -> Record | None:
        return self._records[object_type].get(record_id)

    def records(self, object_type: str) -> list[Record]:
        return list(self._records[object_type].values())

    def contact_by_email(self, email: str) -> Record | None:
        return self.find_unique(CONTACTS, "email", email)

    def find_unique(self, object_type: str, name: str, value: str) -> Record | None:
        """The record whose unique-value property ``name`` holds ``value``, from the index."""
        record_id = self.unique.find(object_type, name, value)
        return None if record_id is None else self.get(object_type, record_id)

    def indexed(
        self, object_type: str, changed_since_ms: float | None = None, ids: set[str] | None = None
    ) -> Iterator[tuple[str, dict[str, str]]]:
        """What search sees now: each record as of ``search_lag_seconds`` ago, if it existed.

        ``changed_since_ms`` skips records whose every change is older: none of their versions
        can carry a modification date at or after it.
        """
        cutoff = self.now() - self.lag
        for record in self._changed_since(object_type, changed_since_ms, ids):
            snapshot = record.indexed(cutoff)
            if snapshot is not None:
                yield record.id, snapshot

    def _changed_since(
        self, object_type: str, since_ms: float | None, ids: set[str] | None = None
    ) -> list[Record]:
        if ids is not None:  # the value index narrowed the search (never with a date floor)
            return [self._records[object_type][i] for i in sorted(ids, key=int)]
        if since_ms is None:
            return self.records(object_type)
        keys = self._by_change[object_type]
        records = self._records[object_type]
        start = bisect_left(keys, (math.ceil(since_ms), 0))
        return [
            record
            for ms, record_id in keys[start:]
            if (record := records.get(str(record_id))) is not None and record.latest_ms == ms
        ]

    # associations (task -> contact is type 204, contact -> task is 203)

    def link(self, task_id: str, contact_id: str) -> None:
        """Associate a task with a contact; linking twice changes nothing (as HubSpot's PUT)."""
        contacts = self._links.setdefault(task_id, [])
        if contact_id not in contacts:
            contacts.append(contact_id)
            self._linked.setdefault(contact_id, []).append(task_id)

    def contacts_of(self, task_id: str) -> list[str]:
        return list(self._links.get(task_id, []))

    def tasks_of(self, contact_id: str) -> list[str]:
        return list(self._linked.get(contact_id, []))

    # owners

    def add_owner(
        self, email: str, first: str, last: str, teams: Sequence[str], *, archived: bool
    ) -> Owner:
        owner = Owner(
            id=str(next(self._owner_ids)),
            email=email,
            first_name=first,
            last_name=last,
            user_id=next(self._user_ids),
            teams=tuple(Team(self._team_id(name), name, i == 0) for i, name in enumerate(teams)),
            archived=archived,
            created_at=iso(self.now()),
        )
        self.owners[owner.id] = owner
        return owner

    def _team_id(self, name: str) -> str:
        return self._teams.setdefault(name, str(next(self._team_ids)))

    def owner_ok(self, owner_id: str) -> bool:
        """Tasks and contacts may only be assigned to existing, active owners."""
        owner = self.owners.get(owner_id)
        return owner is not None and not owner.archived


def _completion_rule(before: Mapping[str, str], updates: dict[str, str], at: datetime) -> None:
    """Becoming COMPLETED stamps hs_task_completion_date; re-opening clears it."""
    status = updates.get("hs_task_status")
    if status is None or status == before.get("hs_task_status"):
        return
    updates.setdefault("hs_task_completion_date", iso(at) if status == COMPLETED else "")
