"""Headless Chromium draws the report's charts, from a file and from the live dashboard.

Skipped, with the reason, where Debian's ``chromium`` is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy
from sqlalchemy import Engine, insert

from syncd.clock import to_ms
from syncd.http.exchange import Handler, Request
from syncd.report import build_report, render_html
from syncd.report.dashboard import dashboard_handler
from syncd.store import schema

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
T0_MS = to_ms(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
H = 3_600_000


def seed(engine: Engine, answers: int = 7) -> None:
    with engine.begin() as conn:
        for n in range(answers):
            score = (0, 3, 7, 8, 9, 10, 10)[n % 7]
            closed = T0_MS + n * H + 30 * H if n % 2 == 0 else None
            conn.execute(
                insert(schema.loops).values(
                    source="s",
                    response_id=f"r{n}",
                    crm="hubspot",
                    category="detractor" if score < 7 else "passive" if score < 9 else "promoter",
                    score=score,
                    team="Support",
                    owner_id="u1",
                    task_id=f"t{n}",
                    response_ms=T0_MS + n * H,
                    due_ms=T0_MS + n * H + 48 * H,
                    task_created_ms=T0_MS + n * H + 60_000,
                    first_touch_ms=T0_MS + n * H + 2 * H if n < 5 else None,
                    closed_ms=closed,
                    updated_ms=0,
                )
            )


def dump_dom(url: str, budget_ms: int = 8000) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=390,3000",  # a phone's width: the charts must still draw
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def chart(dom: str, name: str) -> str:
    start = dom.index(f'id="chart-{name}"')
    end = dom.find('<div class="chart">', start)
    return dom[start : end if end > 0 else len(dom)]


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def check_charts(dom: str) -> None:
    funnel = chart(dom, "funnel")
    assert "<svg" in funnel
    # 7 answered, 7 tasks, 5 touched, 4 closed: each bar is labelled with its count.
    assert {"7", "5", "4"} <= set(texts(funnel))
    # One week: 3 promoters, 2 passives, 2 detractors of 7 -> NPS +14.
    assert "14" in texts(chart(dom, "nps-trend"))
    for name in ("sla-weekly", "close-spread", "backlog-ageing", "overdue", "effect"):
        assert "<svg" in chart(dom, name), name


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    # A file, not memory: the test server answers from its own threads.
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'syncd.db'}")
    schema.metadata.create_all(engine)
    seed(engine)
    yield engine
    engine.dispose()


def test_the_html_file_draws_its_charts_offline(store: Engine, tmp_path: Path) -> None:
    with store.connect() as conn:
        page = render_html(build_report(conn, now=NOW))
    target = tmp_path / "report.html"
    target.write_text(page, encoding="utf-8")
    check_charts(dump_dom(target.as_uri()))


class _Serve(BaseHTTPRequestHandler):
    handler: Handler
    paths: list[str]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        type(self).paths.append(url.path)
        request = Request("GET", url.path, {}, b"", dict(parse_qsl(url.query)))
        response = type(self).handler(request)
        self.send_response(response.status)
        self.send_header("content-type", response.content_type)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_the_live_dashboard_draws_and_refreshes(store: Engine) -> None:
    handler = dashboard_handler(store, refresh_seconds=1, clock=lambda: NOW)

    class Serve(_Serve):
        pass

    Serve.handler = staticmethod(handler)
    Serve.paths = []
    serve = Serve
    server = ThreadingHTTPServer(("127.0.0.1", 0), serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dom = dump_dom(f"http://127.0.0.1:{server.server_port}/dashboard?group_by=week")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    check_charts(dom)
    assert "/dashboard/data.json" in serve.paths  # refreshed in place at least once
    assert serve.paths.count("/dashboard") == 1  # never reloaded the page
