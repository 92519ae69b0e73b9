"""SIGHUP: reload the config into the running daemon, between two passes, without a restart.

Routing, intervals, delivery and tracking options, retention, log level and format, and
connector options (limits, timeouts, credentials) take effect at once; a connector whose options
changed is rebuilt. A config that fails validation is rejected whole and the running one kept,
with one log line listing the problems. Changes only a restart can make (the store, the CRM's
kind or name, a source added, removed, enabled or disabled or of another kind, the instance id,
lease lengths the heartbeat is timed by, the HTTP port's options) refuse the whole reload, with
one line naming them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import structlog

from syncd.config_loader import settings_secrets
from syncd.contracts import Crm, SurveySource
from syncd.errors import ConfigError
from syncd.redact import Redactor, activate, active
from syncd.runtime.building import build_crm, build_sources, shared_limiters
from syncd.runtime.daemon import Daemon
from syncd.runtime.loading import connector_catalog, load
from syncd.runtime.logging import configure_logging
from syncd.settings import Settings

log = structlog.get_logger(__name__)


class Reloader:
    """Takes SIGHUP as a request; the daemon applies it when it rests between passes."""

    def __init__(self, path: Path, loader: Callable[[Path], Settings] = load) -> None:
        self._path = path
        self._load = loader
        self._requested = threading.Event()

    def install(self) -> None:
        """Handle SIGHUP from now on (before it, a SIGHUP would end the process)."""

        def handle(_signum: int, _frame: FrameType | None) -> None:
            self._requested.set()  # only a flag: the reload runs on the daemon's own thread

        signal.signal(signal.SIGHUP, handle)

    def request(self) -> None:
        """Ask for a reload, as SIGHUP does."""
        self._requested.set()

    def apply_pending(self, daemon: Daemon) -> bool:
        """Reload if asked since the last call; True when a new config was applied."""
        if not self._requested.is_set():
            return False
        self._requested.clear()
        return self.reload(daemon)

    def reload(self, daemon: Daemon) -> bool:
        """Load, check and apply the config file now; the running config stays on any problem."""
        try:
            new = self._load(self._path)
        except ConfigError as error:
            problems = "; ".join(str(problem) for problem in error.problems)
            log.error(
                "config reload rejected: the file is not valid; the running config is kept",
                config=str(self._path),
                problems=problems,
            )
            return False
        refused = sorted(restart_only_changes(daemon.settings, new))
        if refused:
            log.error(
                "config reload refused: these changes need a restart; the running config is kept",
                config=str(self._path),
                changes=", ".join(refused),
            )
            return False
        changed = sorted(_changed_sections(daemon.settings, new))
        if not changed:
            log.info("config reloaded: nothing changed", config=str(self._path))
            return True
        _apply(daemon, new, changed=", ".join(changed), config=str(self._path))
        return True


def restart_only_changes(old: Settings, new: Settings) -> Iterator[str]:
    """What differs between ``old`` and ``new`` that a running daemon cannot take on."""
    if old.daemon.resolved_database_url() != new.daemon.resolved_database_url():
        yield "the store ([daemon] database_url / data_dir)"
    fixed = (
        ("[daemon] instance_id", lambda s: s.daemon.instance_id),
        ("[daemon] lease_seconds", lambda s: s.daemon.lease_seconds),
        ("[delivery] lease_seconds", lambda s: s.delivery.lease_seconds),
        # The HTTP port's table, where this build has one: the port is bound once, at start.
        ("[http] (its port is bound at start)", lambda s: getattr(s, "http", None)),
        ("the CRM ([crm] kind / name)", lambda s: (s.crm.kind, s.crm.name)),
    )
    yield from (what for what, part in fixed if part(old) != part(new))
    yield from _source_changes(_enabled(old), _enabled(new))


def _source_changes(running: dict[str, str], wanted: dict[str, str]) -> Iterator[str]:
    for name in sorted(running.keys() - wanted.keys()):
        yield f"source {name} removed or disabled"
    for name in sorted(wanted.keys() - running.keys()):
        yield f"source {name} added or enabled"
    for name in sorted(running.keys() & wanted.keys()):
        if running[name] != wanted[name]:
            yield f"source {name} kind"


def _enabled(settings: Settings) -> dict[str, str]:
    return {name: s.kind for name, s in settings.sources.items() if s.enabled}


def _changed_sections(old: Settings, new: Settings) -> Iterator[str]:
    for section in type(new).model_fields:
        if section == "sources":
            for name, source in new.sources.items():
                if old.sources.get(name) != source:
                    yield f"sources.{name}"
        elif getattr(old, section) != getattr(new, section):
            yield section


def _apply(daemon: Daemon, new: Settings, **said: str) -> None:
    old = daemon.settings
    sources: dict[str, SurveySource] = dict(daemon.sources)
    limiters = shared_limiters(daemon.engine)
    rebuilt = build_sources(new, limiters)
    for name in list(sources):
        if new.sources[name] != old.sources[name]:
            sources[name] = rebuilt.pop(name)
    for unused in rebuilt.values():
        unused.close()
    crm: Crm | None = build_crm(new, limiters) if new.crm != old.crm else None
    # New credentials are redacted from now on; the old ones stay masked too (lines in flight).
    secrets = settings_secrets(new, connector_catalog())
    activate(Redactor.of((*active().secrets, *secrets)))
    # Said before the log settings change, so it shows whatever level the new config sets.
    log.info("config reloaded", **said)
    configure_logging(new.daemon)
    daemon.apply_settings(new, sources, crm)
