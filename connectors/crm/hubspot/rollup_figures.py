"""The roll-up's arithmetic, apart from any HubSpot call: contacts' answers in, company figures out.

Same semantics as the Salesforce account roll-up: the latest score is the score of the answer
given last by any contact of the company; NPS over the window is promoters minus detractors, in
percent of the contacts whose latest answer falls within the window (each contact counted once,
by its latest answer, as the contact holds only that one); open follow-ups are the distinct open
tasks syncd created for the company's detractors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.crm.hubspot.mapping import parse_time
from connectors.crm.hubspot.rollup_names import RollupPropertyNames
from syncd.model import net_promoter_score

DETRACTOR = "detractor"


@dataclass(frozen=True, slots=True)
class Answered:
    """What a contact holds of its latest answer, and its primary company."""

    contact_id: str
    company_id: str
    score: int | None
    category: str | None
    responded_at: datetime | None

    @classmethod
    def of(
        cls,
        contact_id: str,
        company_id: str,
        score: str | None,
        category: str | None,
        at: str | None,
    ) -> Answered:
        """From HubSpot's property strings (a number may come back as ``"7"`` or ``"7.0"``)."""
        return cls(contact_id, company_id, _score(score), category or None, parse_time(at))


def company_figures(
    companies: Iterable[str],
    contacts: Sequence[Answered],
    open_tasks: Mapping[str, Iterable[str]],
    names: RollupPropertyNames,
    *,
    now: datetime,
    window: timedelta,
) -> dict[str, dict[str, str]]:
    """Per company id, the properties to write (``""`` clears a figure there is none for).

    ``open_tasks``: per contact id, the ids of its open tasks syncd created. Blank company ids
    are ignored; a company none of ``contacts`` belongs to gets cleared figures and zero
    open follow-ups.
    """
    by_company: dict[str, list[Answered]] = {}
    for contact in contacts:
        by_company.setdefault(contact.company_id, []).append(contact)
    since = now - window
    figures: dict[str, dict[str, str]] = {}
    for company in sorted({c for c in companies if c}):
        mine = by_company.get(company, [])
        answered = [c for c in mine if c.responded_at is not None and c.score is not None]
        latest = max(answered, key=lambda c: (c.responded_at, c.contact_id), default=None)
        recent = [c.score for c in answered if c.responded_at >= since]  # type: ignore[operator]
        followups = {
            task
            for c in mine
            if c.category == DETRACTOR
            for task in open_tasks.get(c.contact_id, ())
        }
        figures[company] = {
            names.latest: "" if latest is None else str(latest.score),
            names.window: _nps([s for s in recent if s is not None]),
            names.open_detractor_followups: str(len(followups)),
        }
    return figures


def _nps(scores: Sequence[int]) -> str:
    nps = net_promoter_score(scores)
    return "" if nps is None else str(nps)  # "" clears the property


def _score(raw: str | None) -> int | None:
    try:
        value = float(raw) if raw not in (None, "") else math.nan
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and 0 <= value <= 10 else None
