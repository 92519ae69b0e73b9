"""Fuzzing the Delighted edge and the poll stage: every item read ends in exactly one of inbox,
quarantine (once) or a counted skip; nothing raises; nothing wrong is accepted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from connectors.sources.delighted.parse import parse_page
from syncd.model import CheckResult, SourcePage, SurveyResponse
from syncd.pipeline.poll import poll_source
from syncd.settings import SourceSettings
from syncd.store.schema import inbox, metadata, quarantine
from tests.fuzz.strategies import NOW, pages

#: Independent of the parser's own check: what an inbox email must at least look like.
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]+$")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_EARLIEST = datetime(2000, 1, 1, tzinfo=NOW.tzinfo)


def _parse(items: Sequence[object]) -> SourcePage:
    return parse_page("delighted", items, ("nps",), NOW)


def _assert_sane(response: SurveyResponse) -> None:
    assert response.response_id == response.response_id.strip() != ""
    assert len(response.response_id) <= 200 and not _UNSTORABLE.search(response.response_id)
    assert response.email is None or _ADDRESS.match(response.email)
    assert response.email or response.external_id or response.person_id
    assert 0 <= response.score <= 10
    for moment in (response.submitted_at, response.updated_at):
        assert _EARLIEST <= moment <= NOW + timedelta(days=1)
    assert response.comment is None or not _UNSTORABLE.search(response.comment)
    assert response.survey == "nps"


@settings(max_examples=300, deadline=None)
@given(pages)
def test_every_item_parses_to_exactly_one_outcome(items: list[object]) -> None:
    page = _parse(items)
    assert len(page.responses) + len(page.rejected) + page.skipped == len(items)
    for response in page.responses:
        _assert_sane(response)
    for rejected in page.rejected:
        assert rejected.payload.isascii()
        json.loads(rejected.payload)
        assert rejected.reason and not _UNSTORABLE.search(rejected.reason)


class _Listing:
    """A source that lists the same parsed pages on every pass."""

    name = "delighted"
    max_window = timedelta(days=7)

    def __init__(self, listed: Sequence[SourcePage]) -> None:
        self._listed = listed

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        return iter(self._listed)

    def check(self) -> tuple[CheckResult, ...]:
        return ()

    def close(self) -> None:
        pass


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def _stored(engine: Engine) -> tuple[dict[str, int], list[tuple[str | None, str, str]]]:
    with engine.connect() as conn:
        versions = {r.response_id: r.version for r in conn.execute(select(inbox))}
        rows = conn.execute(select(quarantine))
        return versions, [(r.response_id, r.reason_code, r.payload) for r in rows]


def _quarantined(
    rows: list[tuple[str | None, str, str]], response_id: str | None, payload: str
) -> bool:
    if response_id is not None:
        return any(row_id == response_id for row_id, _, _ in rows)
    return any(row_id is None and row_payload == payload for row_id, _, row_payload in rows)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(pages, min_size=1, max_size=3))
def test_every_polled_item_ends_in_inbox_quarantine_or_a_counted_skip(
    engine: Engine, listing: list[list[object]]
) -> None:
    _empty(engine)
    parsed = [_parse(items) for items in listing]
    source = _Listing(parsed)
    options = SourceSettings(kind="delighted", lag_seconds=0, initial_lookback_days=1)
    first = poll_source(engine, source, options, now=NOW)
    again = poll_source(engine, source, options, now=NOW)
    versions, rows = _stored(engine)
    assert first.skipped == sum(page.skipped for page in parsed)
    assert first.fetched == sum(len(page.responses) for page in parsed)
    for response in (response for page in parsed for response in page.responses):
        in_inbox = versions.get(response.response_id, -1) >= response.version
        assert in_inbox or _quarantined(rows, response.response_id, "")
    for rejected in (item for page in parsed for item in page.rejected):
        assert _quarantined(rows, rejected.response_id, rejected.payload)
    assert again.rejected == 0 and len(rows) == first.rejected  # each quarantined once
