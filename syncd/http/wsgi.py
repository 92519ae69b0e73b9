"""The router as a WSGI application: a request becomes a ``Request``, a ``Response`` an answer.

The body is bounded here, whatever server runs the application: a declared length over the
limit is refused with 413 before anything is read, and an undeclared one is read only up to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from syncd.http.exchange import Request, Response
from syncd.http.router import Router, json_response

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(router: Router, max_body_bytes: int) -> WsgiApp:
    """A WSGI application answering through ``router``, refusing bodies over the limit."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = _body(environ, max_body_bytes)
        if body is None:
            limit = {"error": "request body too large", "max_bytes": max_body_bytes}
            return _send(json_response(413, limit), start_response)
        return _send(router.handle(_request(environ, body)), start_response)

    return app


def _body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` bytes."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not declared.isdigit():
            return b""  # an unreadable length: treat as no body rather than trust it
        if int(declared) > limit:
            return None
        return bytes(environ["wsgi.input"].read(int(declared)))
    stream = environ.get("wsgi.input")
    data = bytes(stream.read(limit + 1)) if stream is not None else b""
    return None if len(data) > limit else data


def _request(environ: dict[str, Any], body: bytes) -> Request:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    query: dict[str, str] = {}
    for name, value in parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True):
        query.setdefault(name, value)
    path = environ.get("PATH_INFO") or "/"
    # WSGI hands the path as latin-1 decoded bytes; undo that to get the UTF-8 path sent.
    path = path.encode("latin-1").decode("utf-8", "replace")
    return Request(str(environ.get("REQUEST_METHOD", "GET")), path, headers, body, query)


def _send(response: Response, start_response: StartResponse) -> Iterable[bytes]:
    status = HTTPStatus(response.status) if response.status in _KNOWN else None
    reason = status.phrase if status is not None else "Unknown"
    headers = [
        ("Content-Type", response.content_type),
        ("Content-Length", str(len(response.body))),
        *response.headers.items(),
    ]
    start_response(f"{response.status} {reason}", headers)
    return [response.body]


_KNOWN = frozenset(status.value for status in HTTPStatus)
