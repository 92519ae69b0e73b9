"""Routes by path prefix: features mount a ``Handler`` under a prefix, the router picks one.

The longest mounted prefix that matches a whole path segment wins (``/webhooks`` serves
``/webhooks/delighted`` but not ``/webhooksx``). Anything unmatched is 404; a handler that raises
is answered 500 and logged as one line, without its traceback, naming where it raised.
"""

from __future__ import annotations

import json
import traceback

import structlog

from syncd.http.exchange import Handler, Request, Response

log = structlog.get_logger(__name__)


def json_response(status: int, body: object) -> Response:
    """A JSON answer."""
    return Response(status, json.dumps(body, sort_keys=True).encode())


NOT_FOUND = json_response(404, {"error": "not found"})
INTERNAL_ERROR = json_response(500, {"error": "internal error"})


class Router:
    """Mounted handlers by path prefix."""

    def __init__(self) -> None:
        self._routes: dict[str, Handler] = {}

    def mount(self, prefix: str, handler: Handler) -> None:
        """Serve ``prefix`` and every path under it with ``handler``; a prefix is mounted once."""
        normal = "/" + prefix.strip("/")
        if normal in self._routes:
            raise ValueError(f"{normal} is already mounted")
        self._routes[normal] = handler

    @property
    def prefixes(self) -> list[str]:
        """The mounted prefixes, sorted."""
        return sorted(self._routes)

    def handle(self, request: Request) -> Response:
        """The matching handler's answer; 404 when none matches, 500 when it raises."""
        prefix = self._match(request.path)
        if prefix is None:
            return NOT_FOUND
        try:
            return self._routes[prefix](request)
        except Exception as error:
            log.error(
                "http handler failed",
                route=prefix,
                method=request.method,
                error=f"{type(error).__name__}: {error}",
                where=_where(error),
            )
            return INTERNAL_ERROR

    def _match(self, path: str) -> str | None:
        best: str | None = None
        for prefix in self._routes:
            inside = prefix in ("/", path) or path.startswith(prefix + "/")
            if inside and (best is None or len(prefix) > len(best)):
                best = prefix
        return best


def _where(error: BaseException) -> str:
    """``file:line in function`` of the innermost frame: enough to find it, no traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 2)[-1]}:{last.lineno} in {last.name}"
