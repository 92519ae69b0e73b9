"""Build a ``Daemon`` from settings: the one place that names concrete connectors."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

from connectors.registry import Catalog, connector_class
from syncd.config_loader import load_settings, settings_secrets
from syncd.contracts import Crm, SurveySource
from syncd.redact import Redactor, activate
from syncd.runtime.daemon import Daemon
from syncd.settings import Settings
from syncd.store.engine import migrate, open_engine


def load(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    return load_settings(path, os.environ if env is None else env, Catalog())


def build_daemon(settings: Settings) -> Daemon:
    # Every stored error text and log line is redacted with this daemon's secrets.
    activate(Redactor.of(settings_secrets(settings, Catalog())))
    engine = open_engine(settings.daemon.resolved_database_url())
    migrate(engine)
    holder = settings.daemon.instance_id or f"{socket.gethostname()}-{os.getpid()}"
    daemon = Daemon(settings, engine, build_sources(settings), build_crm(settings), holder=holder)
    daemon.recover()
    return daemon


def build_sources(settings: Settings) -> dict[str, SurveySource]:
    sources: dict[str, SurveySource] = {}
    for name, section in settings.sources.items():
        if section.enabled:
            cls = connector_class("source", section.kind)
            sources[name] = cls(name, cls.Settings.model_validate(section.model_extra or {}))
    return sources


def build_crm(settings: Settings) -> Crm:
    cls = connector_class("crm", settings.crm.kind)
    crm: Crm = cls(settings.crm.name, cls.Settings.model_validate(settings.crm.model_extra or {}))
    return crm
