"""A long poll hands over between slices of pages, so a backfill never starves delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, func, select

from syncd.model import SourcePage
from syncd.pipeline.poll import Interleave, poll_source
from syncd.store.schema import inbox
from tests.pipeline.test_poll_stage import NOW, StubSource, _answer, _settings


def _five_pages(since: datetime, until: datetime) -> Iterator[SourcePage]:
    for n in range(5):
        yield SourcePage(responses=(_answer(f"r{n}"),))


def test_the_interleaved_work_runs_after_every_slice_with_its_pages_stored(
    engine: Engine,
) -> None:
    stored_when_run: list[int] = []

    def work() -> None:
        with engine.connect() as conn:
            stored_when_run.append(
                conn.execute(select(func.count()).select_from(inbox)).scalar_one()
            )

    result = poll_source(
        engine,
        StubSource(_five_pages),
        _settings(),
        now=NOW,
        interleave=Interleave(work, every_pages=2),
    )

    assert result.stored == 5
    # The work saw the first slices committed while the rest of the listing was still unread.
    assert stored_when_run == [2, 4]
