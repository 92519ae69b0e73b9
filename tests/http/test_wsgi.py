"""The WSGI adapter bounds the body whatever server runs it."""

from __future__ import annotations

import io
import json
from typing import Any

from syncd.http.exchange import Request, Response
from syncd.http.router import Router
from syncd.http.wsgi import wsgi_app

LIMIT = 10


def _call(environ: dict[str, Any]) -> tuple[str, bytes]:
    seen: list[str] = []
    router = Router()
    router.mount("/", lambda request: Response(200, str(len(request.body)).encode()))
    app = wsgi_app(router, LIMIT)
    body = b"".join(app(environ, lambda status, _headers: seen.append(status)))
    return seen[0], body


def _environ(body: bytes, length: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "wsgi.input": io.BytesIO(body),
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    return environ


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    stream = io.BytesIO(b"x" * 100)
    environ = {**_environ(b"", "100"), "wsgi.input": stream}
    status, body = _call(environ)
    assert status.startswith("413") and json.loads(body)["max_bytes"] == LIMIT
    assert stream.tell() == 0


def test_an_undeclared_length_is_read_only_up_to_the_limit() -> None:
    assert _call(_environ(b"x" * LIMIT, None)) == ("200 OK", b"10")
    assert _call(_environ(b"x" * (LIMIT + 1), None))[0].startswith("413")


def test_a_garbled_length_means_no_body() -> None:
    assert _call(_environ(b"xyz", "-3")) == ("200 OK", b"0")
    assert _call(_environ(b"xyz", "3")) == ("200 OK", b"3")


def test_an_unusual_status_still_gets_a_status_line() -> None:
    router = Router()
    router.mount("/", lambda _request: Response(599))
    seen: list[str] = []
    list(wsgi_app(router, LIMIT)(_environ(b"", None), lambda s, _h: seen.append(s)))
    assert seen == ["599 Unknown"]


def test_request_headers_arrive_lower_case() -> None:
    got: list[Request] = []
    router = Router()

    def keep(request: Request) -> Response:
        got.append(request)
        return Response(204)

    router.mount("/", keep)
    environ = {**_environ(b"", None), "HTTP_X_HUB_SIGNATURE": "s", "CONTENT_TYPE": "text/plain"}
    list(wsgi_app(router, LIMIT)(environ, lambda _s, _h: None))
    assert got[0].headers == {"x-hub-signature": "s", "content-type": "text/plain"}
