"""How replicas share one portal's rate limit: the 429s and the allowance they achieved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.chaos.recorder import Answer


@dataclass(frozen=True, slots=True)
class Share:
    """Over the calls counted against the ten-second limit (search has its own)."""

    requests: int
    rejected: float  # share answered 429
    achieved: float  # admitted calls / what the allowance permits over the same span


def share_of_allowance(answers: Sequence[Answer], per_ten_seconds: int) -> Share:
    """The 429 share and the achieved share of ``per_ten_seconds`` while calls were made."""
    limited = [answer for answer in answers if "/search" not in answer.path]
    if len(limited) < 2:
        return Share(len(limited), 0.0, 0.0)
    rejected = sum(answer.status == 429 for answer in limited)
    span = limited[-1].at - limited[0].at
    # The first window's worth goes through at once: the allowance over ``span`` is one full
    # window plus the rate for the rest.
    allowed = per_ten_seconds * (1 + span / 10.0)
    return Share(len(limited), rejected / len(limited), (len(limited) - rejected) / allowed)
