"""Load ``Settings`` from a TOML file, ``SYNCD__`` environment overrides and secret references.

Every problem is collected and raised together in one ``ConfigError``, so an admin fixes a
broken file in one round instead of one error per restart. Each option is reported once: the
first problem found at a location (an unset secret, say) explains any later one there.

- Environment overrides (``config_overrides``): ``SYNCD__DELIVERY__BATCH_SIZE=50`` sets
  ``[delivery] batch_size``, read by the option's type; problems name the variable.
- Secrets: any string value ``env:NAME`` is replaced by that environment variable, and
  ``file:/path`` by the file's content (trailing newline stripped), e.g. a container secret.
- The SQLite store's directory must exist or be creatable, and be writable; it is checked
  without creating anything.
- One CRM per configuration: ``[[crm]]``, ``[crms]``, ``[crm2]`` or a ``[crm.<name>]`` table
  with its own ``kind`` are refused with the reason (see ``syncd.store.crm_binding``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import make_url

from syncd.config_overrides import Override, apply_overrides
from syncd.config_secrets import resolve_secrets
from syncd.errors import ConfigError, ConfigProblem
from syncd.redact import secret_values
from syncd.settings import CrmSettings, DaemonSettings, Settings, SourceSettings


class ConnectorCatalog(Protocol):
    """Looks up the settings model of a connector kind (``role`` is "source" or "crm")."""

    def settings_model(self, role: str, kind: str) -> type[BaseModel] | None:
        """The pydantic model of ``kind``'s settings, or None for an unknown kind."""
        ...

    def kinds(self, role: str) -> tuple[str, ...]:
        """The kinds known for ``role``, named in errors about an unknown one."""
        ...


def load_settings(
    path: Path,
    env: Mapping[str, str],
    catalog: ConnectorCatalog | None = None,
    *,
    secrets: bool = True,
) -> Settings:
    """Read, override, resolve and validate; raise ``ConfigError`` listing every problem.

    ``secrets=False`` leaves ``env:``/``file:`` references unresolved, for commands that read
    only the config and the store (``rules test``, ``report``) and must run without them.
    """
    problems: list[ConfigProblem] = []
    raw = _read_toml(path, problems)
    overrides = apply_overrides(raw, env, catalog, problems)
    if secrets:
        resolve_secrets(raw, env, problems)
    # Before validation, so these explain the location instead of a generic "unknown option".
    problems.extend(_second_crm_problems(raw))
    settings = _validate(raw, problems)
    if catalog is not None:
        # Checked on the raw tables, so connector problems are listed even when core ones exist.
        problems.extend(_check_connectors(raw, catalog))
    daemon = settings.daemon if settings is not None else _daemon_alone(raw)
    if daemon is not None:
        problems.extend(_store_dir_problems(daemon))
    if problems:
        raise ConfigError(_once_per_location(_named(problems, overrides)))
    assert settings is not None  # no problems means validation succeeded
    return settings


def settings_secrets(settings: Settings, catalog: ConnectorCatalog) -> tuple[str, ...]:
    """Every secret in ``settings``: connector options typed as secrets, the database password,
    the ``[events]`` signing secret."""
    found = [make_url(settings.daemon.resolved_database_url()).password or ""]
    sections = [("source", s) for s in settings.sources.values()] + [("crm", settings.crm)]
    for role, section in sections:
        model = catalog.settings_model(role, section.kind)
        if model is not None:
            found.extend(secret_values(model.model_validate(section.model_extra or {})))
    found.extend(secret_values(settings.events))  # the loop events' signing secret
    return tuple(secret for secret in found if secret)


def _named(problems: list[ConfigProblem], overrides: tuple[Override, ...]) -> list[ConfigProblem]:
    """Prefix each problem that an environment override caused with ``VARIABLE=value: ``."""
    named = []
    for problem in problems:
        cause = next((o for o in overrides if o.covers(problem.location)), None)
        if cause is None or problem.message.startswith(cause.variable):
            named.append(problem)
        else:
            message = f"{cause.variable}={cause.shown}: {problem.message}"
            named.append(ConfigProblem(problem.location, message))
    return named


def _once_per_location(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    # Reading and resolving come before validation, so the first problem is the cause.
    seen: set[str] = set()
    kept = []
    for problem in problems:
        if problem.location not in seen or not problem.location:
            seen.add(problem.location)
            kept.append(problem)
    return kept


def _read_toml(path: Path, problems: list[ConfigProblem]) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(ConfigProblem(str(path), "file not found"))
    except (OSError, UnicodeDecodeError) as error:
        problems.append(ConfigProblem(str(path), f"cannot read: {error}"))
    except tomllib.TOMLDecodeError as error:
        problems.append(ConfigProblem(str(path), f"not valid TOML: {error}"))
    return {}


def _validate(raw: dict[str, Any], problems: list[ConfigProblem]) -> Settings | None:
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        problems.extend(_problems_from(error, ""))
        return None


def _problems_from(error: ValidationError, prefix: str) -> Iterator[ConfigProblem]:
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown option"
        yield ConfigProblem(location, message)


def _check_connectors(raw: dict[str, Any], catalog: ConnectorCatalog) -> Iterator[ConfigProblem]:
    sources = raw.get("sources")
    if isinstance(sources, dict):
        for name, section in sources.items():
            yield from _check_one(catalog, "source", f"sources.{name}", section, SourceSettings)
    yield from _check_one(catalog, "crm", "crm", raw.get("crm"), CrmSettings)


def _check_one(
    catalog: ConnectorCatalog, role: str, where: str, section: object, core: type[BaseModel]
) -> Iterator[ConfigProblem]:
    if not isinstance(section, dict) or "kind" not in section:
        return  # the core validation already reports a missing table or kind
    kind = str(section["kind"])
    model = catalog.settings_model(role, kind)
    if model is None:
        known = ", ".join(catalog.kinds(role))
        yield ConfigProblem(f"{where}.kind", f"unknown {role} kind {kind!r}; known: {known}")
        return
    options = {k: v for k, v in section.items() if k not in core.model_fields}
    try:
        model.model_validate(options)
    except ValidationError as error:
        yield from _problems_from(error, where)


_ONE_CRM = (
    "syncd serves one CRM per configuration and per store; keep a single [crm] table here, and "
    "run another syncd, with its own configuration and store, for another CRM"
)


def _second_crm_problems(raw: Mapping[str, Any]) -> Iterator[ConfigProblem]:
    """Attempts at configuring a second CRM, each named where it is."""
    for key in raw:
        if key != "crm" and key.lower().startswith("crm"):
            yield ConfigProblem(key, f"a second CRM table [{key}]: {_ONE_CRM}")
    crm = raw.get("crm")
    if isinstance(crm, list):
        yield ConfigProblem("crm", f"[[crm]] lists {len(crm)} CRMs: {_ONE_CRM}")
    elif isinstance(crm, dict):
        for name, table in crm.items():
            if isinstance(table, dict) and "kind" in table:
                yield ConfigProblem(f"crm.{name}", f"a second CRM inside [crm]: {_ONE_CRM}")


def _daemon_alone(raw: dict[str, Any]) -> DaemonSettings | None:
    # The store directory is checked even when another table is broken.
    try:
        return DaemonSettings.model_validate(raw.get("daemon", {}))
    except ValidationError:
        return None


def _store_dir_problems(daemon: DaemonSettings) -> Iterator[ConfigProblem]:
    """The SQLite store's directory must be creatable and writable; nothing is created here."""
    where = "daemon.data_dir" if daemon.database_url is None else "daemon.database_url"
    folder = daemon.sqlite_dir()
    if folder is None:
        return  # PostgreSQL: the data directory is not used by the daemon
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        yield ConfigProblem(where, f"{folder} cannot be created: {existing} is not a directory")
    elif not os.access(existing, os.W_OK | os.X_OK):
        verb = "is not writable" if existing == folder else "cannot be created in"
        yield ConfigProblem(where, f"{folder} {verb} by this user ({existing})")
