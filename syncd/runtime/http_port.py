"""The daemon's port: probes and metrics, plus whatever the composition root mounts.

Opened by ``syncd run`` only (never by ``run --once``), from background threads; the daemon's
loop never waits for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from syncd.http.exchange import Handler, Request, Response
from syncd.http.router import Router
from syncd.http.server import HttpServer
from syncd.observability.probes import Probes
from syncd.runtime.daemon import Daemon
from syncd.settings import Settings

#: The paths the probes answer on (container and Kubernetes manifests point at them).
HEALTHZ = "/healthz"
READYZ = "/readyz"
METRICS = "/metrics"


class PortUnavailable(Exception):
    """The configured HTTP port cannot be bound."""


def probe_window(settings: Settings) -> float:
    """Seconds without a turn of the loop (or a reach of a dependency) before a probe fails."""
    return 3 * settings.daemon.interval_seconds + settings.http.liveness_grace_seconds


def ops_router(settings: Settings, daemon: Daemon) -> Router:
    """A router with ``/healthz``, ``/readyz`` and ``/metrics`` of ``daemon`` mounted."""
    probes = Probes(
        daemon.telemetry.vitals,
        daemon.engine,
        crm=daemon.crm.name,
        sources=list(daemon.sources),
        window_seconds=probe_window(settings),
    )
    router = Router()
    router.mount(HEALTHZ, probes.health)
    router.mount(READYZ, probes.ready)
    router.mount(METRICS, metrics_handler(daemon.telemetry.metrics.registry))
    return router


def metrics_handler(registry: CollectorRegistry) -> Handler:
    """The registry in Prometheus's text format."""

    def metrics(_request: Request) -> Response:
        return Response(200, generate_latest(registry), CONTENT_TYPE_LATEST)

    return metrics


@contextmanager
def open_port(
    settings: Settings, daemon: Daemon, extra: Sequence[tuple[str, Handler]] = ()
) -> Iterator[HttpServer | None]:
    """Serve the probes, metrics and ``extra`` routes while the context lasts."""
    if not settings.http.enabled:
        yield None
        return
    router = ops_router(settings, daemon)
    for prefix, handler in extra:
        router.mount(prefix, handler)
    http = settings.http
    try:
        server = HttpServer(router, http)
    except OSError as error:
        where = f"{http.host}:{http.port}"
        reason = error.strerror or error
        raise PortUnavailable(f"cannot open the HTTP port {where}: {reason}") from error
    with server:
        yield server
