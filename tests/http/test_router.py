"""The router: longest prefix wins on whole segments, 404 otherwise, 500 (one line) on a raise."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from syncd.http.exchange import Request, Response
from syncd.http.router import Router


def _named(name: str) -> object:
    def handler(_request: Request) -> Response:
        return Response(200, name.encode(), "text/plain")

    return handler


def _get(router: Router, path: str) -> Response:
    return router.handle(Request("GET", path, {}))


def test_the_longest_mounted_prefix_serves_whole_segments_only() -> None:
    router = Router()
    router.mount("/webhooks", _named("all"))  # type: ignore[arg-type]
    router.mount("/webhooks/delighted/", _named("delighted"))  # type: ignore[arg-type]
    assert _get(router, "/webhooks/delighted").body == b"delighted"
    assert _get(router, "/webhooks/delighted/x").body == b"delighted"
    assert _get(router, "/webhooks/typeform").body == b"all"
    assert _get(router, "/webhooksx").status == 404
    assert _get(router, "/").status == 404
    assert router.prefixes == ["/webhooks", "/webhooks/delighted"]


def test_a_prefix_is_mounted_once() -> None:
    router = Router()
    router.mount("/metrics", _named("a"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already mounted"):
        router.mount("metrics/", _named("b"))  # type: ignore[arg-type]


def test_a_raising_handler_is_a_500_and_one_line_without_traceback() -> None:
    def broken(_request: Request) -> Response:
        raise KeyError("token=abc")

    router = Router()
    router.mount("/dashboard", broken)
    with capture_logs() as logs:
        response = _get(router, "/dashboard")
    assert response.status == 500 and b"internal error" in response.body
    assert len(logs) == 1
    line = logs[0]
    assert line["event"] == "http handler failed" and line["route"] == "/dashboard"
    assert line["error"].startswith("KeyError") and "test_router.py" in line["where"]
    assert "exc_info" not in line
