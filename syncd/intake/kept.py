"""``keep_page`` for the intake paths, with what became of each item named."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from syncd.model import SourcePage
from syncd.pipeline.records import keep_page


@dataclass(frozen=True, slots=True)
class Kept:
    """What storing one page did; each answer and rejection is counted once."""

    read: int
    stored: int
    #: Answers the inbox already held at this or a newer version.
    unchanged: int
    quarantined: int
    #: Rejections the quarantine already held (a replay, a re-run import).
    already_quarantined: int
    skipped: int


def keep(conn: Connection, page: SourcePage, now_ms: int) -> Kept:
    """Store ``page`` into the inbox and quarantine, as polling does."""
    read, stored, quarantined, skipped = keep_page(conn, page, now_ms)
    # keep_page counts answers the store refused (rare: a value no database can keep) among the
    # quarantined, beside the rejections; only then is the split below an estimate.
    refused_by_store = max(0, quarantined - len(page.rejected))
    return Kept(
        read=read,
        stored=stored,
        unchanged=max(0, read - stored - refused_by_store),
        quarantined=quarantined,
        already_quarantined=max(0, len(page.rejected) - quarantined),
        skipped=skipped,
    )
