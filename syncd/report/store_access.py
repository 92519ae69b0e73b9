"""Opening the store for a report: only ``[daemon]`` is read, and a missing store is refused.

A report needs neither the CRM's nor the sources' secrets, so the rest of the config is not
validated (a laptop with a copy of the store and the config can report). A store that does not
exist is an error naming where it was looked for, never an empty report: a mistyped
``data_dir`` must not read as "no responses yet".
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from syncd.config_overrides import apply_overrides
from syncd.config_secrets import resolve_secrets
from syncd.errors import ConfigError, ConfigProblem
from syncd.settings import DaemonSettings
from syncd.store.engine import migrate, open_engine


class StoreMissing(Exception):
    """The configured store does not exist or holds no syncd data."""


def daemon_settings(path: Path, env: Mapping[str, str] | None = None) -> DaemonSettings:
    """``[daemon]`` of the config at ``path`` with ``SYNCD__DAEMON__*`` overrides and secrets."""
    environ = os.environ if env is None else env
    problems: list[ConfigProblem] = []
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError([ConfigProblem(str(path), f"cannot read the config: {error}")]) from None
    daemon_env = {k: v for k, v in environ.items() if k.startswith("SYNCD__DAEMON__")}
    apply_overrides(raw, daemon_env, None, problems)
    section = {"daemon": raw.get("daemon", {})}
    resolve_secrets(section, environ, problems)
    if problems:
        raise ConfigError(problems)
    try:
        return DaemonSettings.model_validate(section["daemon"])
    except ValidationError as error:
        found = [
            ConfigProblem(f"daemon.{'.'.join(map(str, e['loc']))}", e["msg"])
            for e in error.errors()
        ]
        raise ConfigError(found) from None


def open_existing_store(url: str) -> Engine:
    """The store at ``url``, brought to the current schema; ``StoreMissing`` when absent."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if on_disk and not Path(str(parsed.database)).is_file():
        raise StoreMissing(
            f"no store at {parsed.database}: check [daemon] data_dir / database_url "
            "(the daemon creates the store on its first run)"
        )
    engine = open_engine(url)
    try:
        if not inspect(engine).has_table("loops"):
            raise StoreMissing(
                f"{shown} holds no syncd store (no loops table): check [daemon] data_dir / "
                "database_url, or run the daemon once"
            )
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
