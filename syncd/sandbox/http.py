"""A tiny threaded JSON HTTP server for the sandbox fakes.

The fakes are real HTTP servers on 127.0.0.1 (not in-process mocks) so that the real SDKs and
the daemon in a subprocess talk to them exactly as they would talk to the vendor.
"""

from __future__ import annotations

import errno
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(slots=True)
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Close the connection without answering: the client sees a dropped connection.
    drop: bool = False
    #: Send the body one byte at a time, this many seconds apart (a server at a crawl).
    trickle_seconds: float = 0.0


Handler = Callable[[Request], Response]


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    #: Headers and body go out as separate writes; with Nagle on, the body waits for the
    #: client's delayed ACK (about 40 ms a request on loopback).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the fakes must not write to the daemon's output."""

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        response = self.server.app(request)
        if response.drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.trickle_seconds > 0:
            self._trickle(payload, response.trickle_seconds)
        else:
            self.wfile.write(payload)

    def _trickle(self, payload: bytes, seconds: float) -> None:
        for index in range(len(payload)):
            try:
                self.wfile.write(payload[index : index + 1])
                self.wfile.flush()
            except OSError:  # the client gave up; that is the point of trickling
                self.close_connection = True
                return
            time.sleep(seconds)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, app: Handler) -> None:
        super().__init__(("127.0.0.1", port), _RequestHandler)
        self.app = app

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up mid-answer (a killed daemon, a client timeout).

        That is what the chaos scenarios and timeouts do on purpose; any other error still
        prints its traceback.
        """
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    """Serve ``app`` on 127.0.0.1 (port 0 picks a free one) in a background thread."""

    def __init__(self, app: Handler, port: int = 0) -> None:
        self._server = _Server(port, app)
        # A short poll interval makes stop() quick: tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


#: Bind errors that mean "this port is not ours to take", so another one will do.
_PORT_TAKEN = frozenset({errno.EADDRINUSE, errno.EACCES})


def serve_on_free_port(app: Handler, port: int) -> tuple[LoopbackServer, bool]:
    """Start ``app`` on ``port``, or on a free port when that one is taken; True if it fell back.

    The fakes only need *a* port: a second demo, or anything else holding the usual one, must not
    stop the demo, so the caller reports the port actually served instead.
    """
    try:
        return LoopbackServer(app, port).start(), False
    except OSError as error:
        if port == 0 or error.errno not in _PORT_TAKEN:
            raise
    return LoopbackServer(app, 0).start(), True
