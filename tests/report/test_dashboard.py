"""The live dashboard handler: page, data, query parsing, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert

from syncd.clock import to_ms
from syncd.http.exchange import Request
from syncd.report import html
from syncd.report.dashboard import BadQuery, dashboard_handler, parse_query
from syncd.report.vega_js import BundleUnavailable, vega_bundle
from syncd.store import schema

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
T0_MS = to_ms(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        for n, score in enumerate((0, 9, 10)):
            conn.execute(
                insert(schema.loops).values(
                    source="s",
                    response_id=f"r{n}",
                    crm="hubspot",
                    category="detractor" if score < 7 else "promoter",
                    score=score,
                    email=f"person{n}@client.example",
                    team="Support",
                    response_ms=T0_MS + n * 86_400_000,
                    updated_ms=0,
                )
            )


def get(engine: Engine, path: str, **query: str) -> tuple[int, str, bytes]:
    handler = dashboard_handler(engine, clock=lambda: NOW, refresh_seconds=5)
    response = handler(Request("GET", path, {}, b"", query))
    return response.status, response.content_type, response.body


def test_the_page_is_html_that_refreshes_from_its_data(engine: Engine) -> None:
    seed(engine)
    status, kind, body = get(engine, "/dashboard", since="2026-11-01", group_by="team")
    page = body.decode()
    assert status == 200 and kind.startswith("text/html")
    assert '"/dashboard/data.json?since=2026-11-01\\u0026group_by=team"' in page
    assert "setInterval(refresh,5000)" in page
    assert "client.example" not in page


def test_the_data_carries_numbers_charts_and_no_customer_email(engine: Engine) -> None:
    seed(engine)
    status, _, body = get(engine, "/dashboard/data.json", until="2026-11-04")
    data = json.loads(body)
    assert status == 200
    assert data["report"]["loops"]["overall"]["responses"] == 2
    assert data["report"]["nps"]["responses"] == 0  # the inbox is empty here
    assert set(data["charts"]) >= {"nps-trend", "funnel", "sla-weekly", "effect"}
    assert "client.example" not in body.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "since must be an ISO date"),
        ({"group_by": "planet"}, "group_by must be one of"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "until must be after since"),
    ],
)
def test_bad_queries_are_refused(engine: Engine, query: dict[str, str], message: str) -> None:
    status, _, body = get(engine, "/dashboard", **query)
    assert status == 400
    assert message in json.loads(body)["error"]
    with pytest.raises(BadQuery):
        parse_query(query)


def test_other_paths_and_methods_are_refused(engine: Engine) -> None:
    assert get(engine, "/dashboard/other")[0] == 404
    handler = dashboard_handler(engine)
    assert handler(Request("POST", "/dashboard", {})).status == 405


def test_blank_parameters_mean_unset() -> None:
    assert parse_query({"since": "", "until": "", "group_by": ""}) == (None, None, None)
    since, _, _ = parse_query({"since": "2026-11-02"})
    assert since == datetime(2026, 11, 2, tzinfo=UTC)


def test_a_missing_chart_library_is_a_503_not_a_crash(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise BundleUnavailable("cannot bundle the chart libraries: no module named vl_convert")

    monkeypatch.setattr(html, "vega_bundle", broken)
    status, _, body = get(engine, "/dashboard")
    assert status == 503
    assert "vl_convert" in json.loads(body)["error"]


def test_the_inlined_libraries_cannot_close_their_script_element() -> None:
    bundle = vega_bundle()
    assert "</script" not in bundle
    assert "window.vegaEmbed" in bundle
