"""Net Promoter Score: % promoters - % detractors over valid (0-10) answers, exact integers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from syncd.model import NpsCategory


@dataclass(frozen=True, slots=True)
class Nps:
    """NPS counts of valid (0-10) answers; ``score`` = % promoters - % detractors."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        """Number of answers counted."""
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """Integer in -100..100, rounded half away from zero; ``None`` without responses."""
        if not self.responses:
            return None
        return _round_half_away(100 * (self.promoters - self.detractors), self.responses)


def nps_from_scores(score_counts: Mapping[int, int]) -> Nps:
    """Tally answers given as {score: count}; scores outside 0-10 are invalid and ignored."""
    tally = dict.fromkeys(NpsCategory, 0)
    for score, count in score_counts.items():
        if 0 <= score <= 10:
            tally[NpsCategory.from_score(score)] += count
    return Nps(
        tally[NpsCategory.PROMOTER], tally[NpsCategory.PASSIVE], tally[NpsCategory.DETRACTOR]
    )


def _round_half_away(numerator: int, denominator: int) -> int:
    # Exact integer arithmetic: round() on floats would round half to even (e.g. 12.5 -> 12).
    sign = -1 if numerator < 0 else 1
    return sign * ((2 * abs(numerator) + denominator) // (2 * denominator))
