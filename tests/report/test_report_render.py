"""The four renderers over a small hand-made report."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from types import MappingProxyType

import pytest

from syncd.report import Report, render_csv, render_html, render_json, render_text
from syncd.report import metrics as m
from syncd.report.formats import CSV_COLUMNS
from syncd.report.html import script_json
from syncd.report.metrics import LoopRow, OwnerName
from syncd.report.query import PipelineHealth, QuarantineEntry
from syncd.report.text import SLA_DEFINITION, humanize_ms

H = 3_600_000
NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
EVIL = "<script>alert(1)</script>"


def sample() -> Report:
    base = NOW_MS - 48 * H
    rows = [
        LoopRow("hubspot", "detractor", EVIL, "u1", True, base, base + 24 * H, base + H,
                base + 2 * H, base + 5 * H),
        LoopRow("hubspot", "passive", "support", "u2", True, base, base + 3 * H, base + H),
        LoopRow("hubspot", "promoter", None, None, False, base),
    ]  # fmt: skip
    names = {("hubspot", "u1"): OwnerName("Ann & Co", "ann@example.com")}
    oops = QuarantineEntry(base, "delighted", "r9", "poll", "bad_score", "score <b>11</b>")
    outbox = {"create_task": dict.fromkeys(("pending", "done"), 1)}
    return Report(
        generated_at=NOW,
        since=None,
        source=None,
        overall=m.loop_metrics(rows, NOW_MS),
        by_category=m.by_category(rows, NOW_MS),
        by_team=m.by_team(rows, NOW_MS),
        by_owner=m.by_owner(rows, NOW_MS, names),
        nps=m.Nps(2, 1, 1),
        nps_by_source=MappingProxyType({"delighted": m.Nps(2, 1, 1)}),
        pipeline=PipelineHealth(
            MappingProxyType(outbox), MappingProxyType({"bad_score": 1}), (oops,)
        ),
    )


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "—"),
        (0, "0s"),
        (45_000, "45s"),
        (61_000, "1m 1s"),
        (59_600, "1m 0s"),
        (3 * H + 12 * 60_000, "3h 12m"),
        (52 * H, "2d 4h"),
    ],
)
def test_humanize(ms: float | None, text: str) -> None:
    assert humanize_ms(ms) == text


def test_text_headline() -> None:
    text = render_text(sample())
    assert "NPS: +25 from 4 responses (promoters 2, passives 1, detractors 1)" in text
    assert "Closed within SLA: 50.0% (1 of 2)" in text
    assert SLA_DEFINITION in " ".join(text.split())
    assert "Open backlog: 1 (1 overdue)" in text
    assert "Ann & Co <ann@example.com>" in text
    assert "5h 0m" in text  # the one time to close


def test_text_control_characters_cannot_reach_the_terminal() -> None:
    report = sample()
    evil = replace(report.by_team[0], label="red\x1b[31m\nteam")
    text = render_text(replace(report, by_team=(evil, *report.by_team[1:])))
    assert "\x1b" not in text
    assert "red?[31m?team" in text


def table_lines(text: str, title: str) -> list[str]:
    block = text.split(f"\n\n{title}\n", 1)[1]
    return block.split("\n\n", 1)[0].splitlines()


@pytest.mark.parametrize("title", ["By category", "By team", "By owner", "NPS by source"])
def test_text_tables_are_aligned(title: str) -> None:
    header, rule, *rows = table_lines(render_text(sample()), title)
    spans = [match.span() for match in re.finditer(r"-+", rule)]
    assert rows
    for line in (header, *rows):
        padded = line.ljust(len(rule))
        for start, end in spans[1:]:  # numbers are right-aligned against the rule's end
            assert padded[end - 1] != " ", (line, start, end)
            assert padded[start - 1] == " "


def test_json_has_the_documented_keys() -> None:
    doc = json.loads(render_json(sample()))
    assert list(doc) == [
        "report_version", "generated_at", "snapshot_date", "filters", "sla_definition",
        "sla_target", "nps", "nps_by_source", "loops", "weeks", "funnel", "effectiveness",
        "backlog_ageing", "close_distribution", "pipeline",
    ]  # fmt: skip
    assert doc["snapshot_date"] == "2025-03-05"
    assert doc["nps"] == {
        "score": 25,
        "responses": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
    }
    assert list(doc["loops"]) == ["overall", "category", "team", "owner"]
    overall = doc["loops"]["overall"]
    assert overall["sla_share"] == 0.5
    assert overall["time_to_close"] == {"count": 1, "median_s": 18_000.0, "p90_s": 18_000.0}
    assert doc["loops"]["category"][1]["time_to_close"]["median_s"] is None
    assert "recent" not in doc["pipeline"]["quarantine"]  # may quote a customer: personal only
    personal = json.loads(render_json(sample(), personal=True))
    assert personal["pipeline"]["quarantine"]["recent"][0]["reason"] == "score <b>11</b>"
    assert doc["pipeline"]["outbox"]["create_task"]["done"] == 1


def test_csv_has_one_row_per_group() -> None:
    report = sample()
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    expected = [(d, g.key) for d, groups in report.dimensions for g in groups]
    assert [(r["dimension"], r["key"]) for r in rows] == expected
    assert len(rows) == 1 + 3 + 3 + 3
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["snapshot_at"] for r in rows} == {NOW.isoformat()}
    assert rows[0]["time_to_close_median_s"] == "18000.0"
    assert rows[0]["sla_share"] == "0.5"
    assert rows[2]["time_to_close_median_s"] == ""  # passive: nothing closed yet


class StrictParser(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()


def _without_scripts(page: str) -> str:
    return re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.DOTALL)


def test_html_is_well_formed_and_escaped() -> None:
    page = render_html(sample(), personal=True)
    parser = StrictParser()
    parser.feed(_without_scripts(page))
    parser.close()
    assert parser.open == []
    assert {"table", "script", "meta"} <= parser.seen
    assert EVIL not in page  # as text in tables, as \u003c in the chart data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "</" not in script_json({"team": EVIL + "&"})
    assert "Ann &amp; Co" in page
    assert "score &lt;b&gt;11&lt;/b&gt;" in page
    # Nothing outside the inlined libraries points at the network.
    assert not re.findall(r"(?:src|href)=", _without_scripts(page))


def test_shareable_html_has_no_email_or_quarantined_text() -> None:
    page = render_html(sample())
    assert "@" not in _without_scripts(page)
    assert "ann@example.com" not in page
    assert "score &lt;b&gt;11" not in page
    assert "ann@example.com" in render_html(sample(), personal=True)


def test_empty_report_html_has_no_charts() -> None:
    report = sample()
    empty = m.loop_metrics([], NOW_MS)
    quiet = Report(
        report.generated_at, None, None, empty, (), (), (), m.Nps(), MappingProxyType({}),
        report.pipeline,
    )  # fmt: skip
    page = render_html(quiet)
    assert "no responses yet" in page
    assert "draw({});" in page
