"""Ways the Delighted fake can misbehave that no status code covers: listings that never end,
a page served again and again, an answer sent at a crawl. Each is a vendor failure a pass must
survive within its bounds, and stop on SIGTERM in the middle of.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from syncd.sandbox.faults import Fault

__all__ = ["Fault", "FaultyPages"]


@dataclass(slots=True)
class FaultyPages:
    """Pages for ``ENDLESS`` and ``REPEAT``, minted on demand."""

    fault: Fault
    trickle_seconds: float = 2.0
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _repeated: list[dict[str, Any]] | None = None

    def page(self, per_page: int, bounds: Mapping[str, int]) -> list[dict[str, Any]] | None:
        """The page to serve instead of the real one; None when the real one is served."""
        if self.fault is Fault.ENDLESS:
            return [self._record(bounds) for _ in range(per_page)]
        if self.fault is Fault.REPEAT:
            if self._repeated is None:
                self._repeated = [self._record(bounds) for _ in range(per_page)]
            return self._repeated
        return None

    def _record(self, bounds: Mapping[str, int]) -> dict[str, Any]:
        # Inside the window asked for, so every minted response looks valid and gets stored.
        created = bounds.get("since", bounds.get("updated_since", 1_717_200_000))
        n = next(self._serial)
        return {
            "id": f"fault-{n}",
            "person": {"id": f"p-{n}", "email": f"fault{n}@example.org", "name": None},
            "survey_type": "nps",
            "score": n % 11,
            "comment": None,
            "permalink": None,
            "created_at": created,
            "updated_at": bounds.get("updated_since"),
            "person_properties": {},
        }
