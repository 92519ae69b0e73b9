"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum suffix.

The first three characters name the object (``003`` Contact, ``00T`` Task, ``005`` User); the
fake hands out 18-character ids with that prefix so the connector sees the shapes it will meet.
"""

from __future__ import annotations

import re
from itertools import count

PREFIXES = {
    "Contact": "003",
    "Task": "00T",
    "User": "005",
    "Group": "00G",
    "GroupMember": "011",
    "Account": "001",
}
#: Custom objects get ``a00``, ``a01`` ... in the order they are defined.
_SHAPE = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")


class IdMaker:
    """Hands out ids per object prefix, in order."""

    def __init__(self) -> None:
        self._counter = count(1)
        self._custom = count(0)
        self._prefixes = dict(PREFIXES)

    def prefix_for(self, sobject: str) -> str:
        """The prefix of ``sobject``, assigning one to a custom object on first use."""
        if sobject not in self._prefixes:
            self._prefixes[sobject] = f"a{next(self._custom):02d}"
        return self._prefixes[sobject]

    def new(self, sobject: str) -> str:
        """A fresh 18-character id for a record of ``sobject``."""
        return f"{self.prefix_for(sobject)}{next(self._counter):012d}AAA"

    def sobject_of(self, record_id: str) -> str | None:
        """The object an id belongs to, by its prefix; None for an unknown prefix."""
        for name, prefix in self._prefixes.items():
            if record_id.startswith(prefix):
                return name
        return None


def well_formed(value: object) -> bool:
    """Whether ``value`` has the shape of a Salesforce id (15 or 18 letters and digits)."""
    return isinstance(value, str) and _SHAPE.fullmatch(value) is not None


def id15(value: str) -> str:
    """The case-sensitive 15-character form; the 18-character form only adds a checksum."""
    return value[:15]
