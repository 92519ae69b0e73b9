"""Build a ``Daemon`` from settings: the one place that names concrete connectors."""

from __future__ import annotations

import socket
import threading
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from connectors.registry import Catalog
from syncd.clock import to_ms, utcnow
from syncd.config_loader import settings_secrets
from syncd.contracts import Crm
from syncd.model import SetupState
from syncd.redact import Redactor, activate
from syncd.runtime.building import ScopedLimiters, build_crm, build_sources, shared_limiters
from syncd.runtime.daemon import Daemon
from syncd.runtime.loading import load as load  # noqa: PLC0414 (re-exported for tests and bench)
from syncd.settings import Settings
from syncd.store.crm_binding import CrmIdentity, bind_crm
from syncd.store.engine import migrate, open_engine
from syncd.store.lock import StoreLock, lock_instance, lock_sqlite
from syncd.store.reach import wait_for_store

if TYPE_CHECKING:
    from syncd.http.exchange import Handler, Request, Response
    from syncd.http.server import HttpServer


class StartupStopped(Exception):
    """A stop signal arrived while the daemon was starting; nothing was started."""


class CrmNotSetUp(Exception):
    """The CRM lacks fields syncd writes: ``syncd crm setup`` creates them; startup never does."""


def instance_id(settings: Settings) -> str:
    """The configured id, else the host name: stable across restarts of the same container."""
    return settings.daemon.instance_id or socket.gethostname()


def build_daemon(
    settings: Settings,
    stop: threading.Event | None = None,
    *,
    limiters: ScopedLimiters | None = None,
) -> Daemon:
    """Lock, reach, migrate and bind the store to this CRM; build the daemon; recover claims.

    The lock comes before anything touches the store. ``StartupStopped`` when ``stop`` is set
    while waiting for the store. ``limiters`` replaces the connectors' rate limiters (the demo's
    simulated week); None: each connector's own, or the store's shared ones on PostgreSQL.
    """
    # Every stored error text and log line is redacted with this daemon's secrets.
    activate(Redactor.of(settings_secrets(settings, Catalog())))
    url = settings.daemon.resolved_database_url()
    holder = instance_id(settings)
    lock = lock_sqlite(url, holder)
    engine: Engine | None = None
    try:
        engine = open_engine(url)
        daemon = _open(settings, engine, holder, lock, stop, limiters)
    except BaseException:
        lock.release()
        if engine is not None:
            engine.dispose()
        raise
    daemon.recover()
    return daemon


def _open(
    settings: Settings,
    engine: Engine,
    holder: str,
    lock: StoreLock,
    stop: threading.Event | None,
    limiters: ScopedLimiters | None,
) -> Daemon:
    if not wait_for_store(engine, settings.daemon.connect_timeout_seconds, stop):
        raise StartupStopped
    lock = lock_instance(engine, holder, lock)
    migrate(engine)
    with engine.begin() as conn:
        # One store, one CRM: refuse here, before anything is written for the wrong CRM.
        bind_crm(conn, CrmIdentity(settings.crm.name, settings.crm.kind), to_ms(utcnow()))
    if stop is not None and stop.is_set():
        raise StartupStopped
    scoped = limiters or shared_limiters(engine)
    crm = build_crm(settings, scoped)
    try:
        require_setup(crm)
    except BaseException:
        crm.close()
        raise
    sources = build_sources(settings, scoped)
    return Daemon(settings, engine, sources, crm, holder=holder, lock=lock)


def require_setup(crm: Crm) -> None:
    """Refuse to start while the CRM lacks a field syncd writes (read-only: a dry run).

    Steps that could not be read (the CRM unreachable, a scope missing) do not stop startup:
    delivery holds its work on the same error and says so each pass.
    """
    steps = crm.setup(dry_run=True)
    missing = [s for s in steps if s.required and s.state is SetupState.WOULD_CREATE]
    if missing:
        listed = "; ".join(step.what for step in missing)
        raise CrmNotSetUp(
            f"crm {crm.name} lacks what syncd writes: {listed}. Run `syncd crm setup` "
            "(with --dry-run to see it first); syncd never creates them on its own. A contact "
            'field named "" in [crm.fields] is neither written nor required'
        )


def extra_routes(settings: Settings, daemon: Daemon) -> list[tuple[str, Handler]]:
    """Routes other features mount on the daemon's port, as (path prefix, handler).

    Webhook intake (``/webhooks/<source>``) and the live dashboard (``/dashboard``); the probes
    and metrics are mounted by ``syncd.runtime.http_port`` itself.
    """
    # Imported here, as in ``serving``: `run --once` opens no port and needs none of it.
    from syncd.intake.routes import webhook_intake  # noqa: PLC0415
    from syncd.intake.stats import WebhookStats  # noqa: PLC0415
    from syncd.observability.webhook_metrics import WebhookCollector  # noqa: PLC0415

    del settings  # a SIGHUP reload replaces the daemon's settings and sources: read them live
    stats = WebhookStats()
    daemon.telemetry.metrics.registry.register(WebhookCollector(stats))

    def webhooks(request: Request) -> Response:
        intake = webhook_intake(
            daemon.settings, daemon.sources, daemon.engine, stats, on_stored=daemon.wake
        )
        return intake(request)

    # Imported here: the charts' libraries take a few hundred ms to load, and only a daemon with
    # its HTTP port on needs them.
    from syncd.report.dashboard import dashboard_handler  # noqa: PLC0415

    return [("/webhooks", webhooks), ("/dashboard", dashboard_handler(daemon.engine))]


def serving(settings: Settings, daemon: Daemon) -> AbstractContextManager[HttpServer | None]:
    """The daemon's HTTP port, open while the context lasts (None when ``[http]`` is off).

    ``PortUnavailable`` when the port cannot be bound.
    """
    # Imported here: the HTTP server (waitress) and the probes only serve a daemon that runs on.
    from syncd.runtime.http_port import open_port  # noqa: PLC0415

    return open_port(settings, daemon, extra_routes(settings, daemon))
