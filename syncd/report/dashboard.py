"""The report served live: ``/dashboard`` (the page) and ``/dashboard/data.json`` (its data).

Both take ``?since=&until=&group_by=`` (ISO dates or times, UTC when no zone is given). The page
refreshes itself from ``data.json`` every ``refresh_seconds`` without reloading. The data holds
no customer data: the dashboard is the shareable report, never the personal one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import Engine

from syncd.clock import utcnow
from syncd.http.exchange import Handler, Request, Response
from syncd.report.charts import chart_specs
from syncd.report.formats import json_document
from syncd.report.html import Live, details_html, render_html, summary_html
from syncd.report.loop_sql import DIMENSIONS
from syncd.report.query import DEFAULT_SLA_TARGET, Report, build_report
from syncd.report.text import format_time

PAGE = "/dashboard"
DATA = "/dashboard/data.json"
_HTML = "text/html; charset=utf-8"
_NO_STORE = {"cache-control": "no-store"}


class BadQuery(ValueError):
    """A query parameter the dashboard cannot use; the message names it."""


def dashboard_handler(
    engine: Engine,
    *,
    refresh_seconds: int = 30,
    sla_target: float = DEFAULT_SLA_TARGET,
    clock: Callable[[], datetime] = utcnow,
) -> Handler:
    """A handler answering ``/dashboard`` and ``/dashboard/data.json`` from ``engine``'s store."""

    def handle(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _error(405, "use GET")
        if request.path.rstrip("/") not in (PAGE, DATA):
            return _error(404, "not found")
        try:
            since, until, group_by = parse_query(request.query)
        except BadQuery as error:
            return _error(400, str(error))
        with engine.connect() as conn:
            report = build_report(
                conn,
                now=clock(),
                since=since,
                until=until,
                group_by=group_by,
                sla_target=sla_target,
            )
        if request.path == DATA:
            body = json.dumps(dashboard_data(report), ensure_ascii=False).encode()
            return Response(200, body, headers=_NO_STORE)
        live = Live(DATA + _query_string(request.query), refresh_seconds)
        page = render_html(report, live=live)
        return Response(200, page.encode(), content_type=_HTML, headers=_NO_STORE)

    return handle


def dashboard_data(report: Report) -> dict[str, object]:
    """What the page's script swaps in: title, summary and details HTML, chart specs, numbers."""
    return {
        "title": f"syncd report, {format_time(report.generated_at)}",
        "summary": summary_html(report),
        "details": details_html(report),
        "charts": chart_specs(report) if report.overall.responses or report.nps.responses else {},
        "report": json_document(report),
    }


def parse_query(query: Mapping[str, str]) -> tuple[datetime | None, datetime | None, str | None]:
    """``since``, ``until`` and ``group_by`` from the query; blank values mean unset."""
    since = _time(query, "since")
    until = _time(query, "until")
    group_by = query.get("group_by") or None
    if group_by is not None and group_by not in DIMENSIONS:
        raise BadQuery(f"group_by must be one of {', '.join(DIMENSIONS)}")
    if since is not None and until is not None and until <= since:
        raise BadQuery("until must be after since")
    return since, until, group_by


def _time(query: Mapping[str, str], name: str) -> datetime | None:
    text = query.get(name) or ""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"{name} must be an ISO date or time, e.g. 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _query_string(query: Mapping[str, str]) -> str:
    kept = {k: v for k, v in query.items() if k in ("since", "until", "group_by") and v}
    return "?" + urlencode(kept) if kept else ""


def _error(status: int, message: str) -> Response:
    return Response(status, json.dumps({"error": message}).encode(), headers=_NO_STORE)
