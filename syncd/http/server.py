"""The daemon's HTTP port, served from background threads by waitress.

waitress is a pure-Python WSGI server: one thread accepts and buffers requests (slow clients
never hold a worker), a small pool answers them. Nothing here is shared with the pipeline but
read-only views, so a slow scrape or a flood of requests never blocks a pass.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any

import structlog
from waitress import wasyncore
from waitress.server import create_server

from syncd.http.router import Router
from syncd.http.wsgi import wsgi_app
from syncd.settings import HttpServerSettings

log = structlog.get_logger(__name__)

#: Seconds an idle client connection is kept before it is closed.
CHANNEL_TIMEOUT_SECONDS = 30
#: Seconds ``stop`` waits for the serving thread to end.
STOP_TIMEOUT_SECONDS = 5.0


class HttpServer:
    """Serves ``router`` on ``settings.host``:``settings.port`` between ``start`` and ``stop``."""

    def __init__(self, router: Router, settings: HttpServerSettings) -> None:
        # Bound here, before waitress starts its worker threads: a taken port leaves nothing.
        listening = _bind(settings.host, settings.port)
        self._server: Any = create_server(
            wsgi_app(router, settings.max_body_bytes),
            sockets=[listening],
            threads=settings.threads,
            ident="syncd",
            # waitress's own bound; the application refuses first, with a JSON 413.
            max_request_body_size=settings.max_body_bytes + 1,
            channel_timeout=CHANNEL_TIMEOUT_SECONDS,
            clear_untrusted_proxy_headers=True,
        )
        self._thread = threading.Thread(target=self._serve, name="syncd-http", daemon=True)
        self._stopping = False

    @property
    def port(self) -> int:
        """The bound port (the one chosen when the setting is 0)."""
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._server.effective_host)

    def start(self) -> HttpServer:
        """Serve from a background thread; the socket is already bound."""
        self._thread.start()
        log.info("http port open", host=self.host, port=self.port)
        return self

    def stop(self) -> None:
        """Close the port and every open connection, end the serving and worker threads."""
        self._stopping = True
        if self._thread.is_alive():
            try:
                # Closed from the serving thread itself: its loop ends once nothing is left open.
                self._server.trigger.pull_trigger(self._close_all)
            except OSError:
                # Seen rarely: the loop's wake-up pipe is already closed. Close the rest from
                # here; the loop notices within its one-second poll.
                self._close_all()
            self._thread.join(STOP_TIMEOUT_SECONDS)
        else:
            self._close_all()
        self._server.task_dispatcher.shutdown(timeout=STOP_TIMEOUT_SECONDS)

    def _close_all(self) -> None:
        wasyncore.close_all(self._server._map, ignore_all=True)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError as error:
            if not self._stopping:
                log.error("http port stopped serving", error=str(error))
            return
        if not self._stopping:
            log.error("http port stopped serving", error="the server loop ended")


def _bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (IPv4 or IPv6, as the host resolves)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError:
        listening.close()
        raise
    return listening
