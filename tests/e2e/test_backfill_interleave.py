"""A backfill never starves delivery: tasks go out while the listing is still being read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syncd.clock import utcnow
from syncd.model import SourcePage, TaskSpec
from syncd.runtime.compose import build_daemon
from syncd.sandbox.world import seed
from tests.e2e.helpers import sandbox_settings


def _recording_fetch(
    fetch: Callable[[datetime, datetime], Iterator[SourcePage]], events: list[str]
) -> Callable[[datetime, datetime], Iterator[SourcePage]]:
    def recorded(since: datetime, until: datetime) -> Iterator[SourcePage]:
        for page in fetch(since, until):
            events.append("page")
            yield page

    return recorded


def test_the_first_tasks_are_created_before_the_backfill_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 answers a page: 120 answers are about 25 pages, more than one slice of 20.
    env = {"SYNCD__SOURCES__DELIGHTED__PAGE_SIZE": "5"}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=120)
        daemon = build_daemon(settings)
        events: list[str] = []
        source = daemon.sources["delighted"]
        monkeypatch.setattr(source, "fetch", _recording_fetch(source.fetch, events))
        create_tasks = daemon.crm.create_tasks

        def recorded_creates(tasks: Sequence[TaskSpec]) -> Any:
            events.append("create")
            return create_tasks(tasks)

        monkeypatch.setattr(daemon.crm, "create_tasks", recorded_creates)
        try:
            daemon.run_once()
        finally:
            daemon.close()

    assert events.count("page") > 20
    assert events.index("create") < len(events) - 1 - events[::-1].index("page")
