"""How the SurveyMonkey fake misbehaves: scripted failures, random chaos, broken listings.

Scripted failures answer the next requests with a status; chaos answers a share of requests at
random (5xx, 429 with and without Retry-After, a dropped connection, a crawl); a broken listing
never ends or repeats one page. Each is a vendor failure a pass must survive within its bounds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum


class Fault(StrEnum):
    """A misbehaviour of the responses listing."""

    #: Every page is full of responses never seen before: the listing has no end.
    ENDLESS = "endless"
    #: The same full page, whatever is asked for.
    REPEAT = "repeat"
    #: Correct pages, sent one byte at a time.
    TRICKLE = "trickle"


@dataclass(slots=True)
class Chaos:
    """Random failures: each request independently, with these probabilities (0 to 1)."""

    server_error: float = 0.0
    rate_limited: float = 0.0
    #: Share of 429s that carry a Retry-After header (the rest carry none).
    retry_after_share: float = 0.5
    reset: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 0.05
    seed: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """What to do to the next request: "500", "429", "429-after", "reset", "slow" or None."""
        roll = self._rng.random()
        for outcome, share in (
            ("500", self.server_error),
            ("429", self.rate_limited),
            ("reset", self.reset),
            ("slow", self.slow),
        ):
            if roll < share:
                if outcome == "429" and self._rng.random() < self.retry_after_share:
                    return "429-after"
                return outcome
            roll -= share
        return None
