"""Load ``Settings`` from a TOML file, ``SYNCD__`` environment overrides and secret references.

Every problem is collected and raised together in one ``ConfigError``, so an admin fixes a
broken file in one round instead of one error per restart.

- Environment overrides: ``SYNCD__DELIVERY__BATCH_SIZE=50`` sets ``[delivery] batch_size``;
  values are read as TOML literals when they parse as one, else as plain strings.
- Secrets: any string value ``env:NAME`` is replaced by that environment variable, and
  ``file:/path`` by the file's content (trailing newline stripped), e.g. a container secret.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from syncd.errors import ConfigError, ConfigProblem
from syncd.settings import CrmSettings, Settings, SourceSettings

ENV_PREFIX = "SYNCD__"


class ConnectorCatalog(Protocol):
    """Looks up the settings model of a connector kind (``role`` is "source" or "crm")."""

    def settings_model(self, role: str, kind: str) -> type[BaseModel] | None: ...

    def kinds(self, role: str) -> tuple[str, ...]: ...


def load_settings(
    path: Path, env: Mapping[str, str], catalog: ConnectorCatalog | None = None
) -> Settings:
    """Read, override, resolve and validate; raise ``ConfigError`` listing every problem."""
    problems: list[ConfigProblem] = []
    raw = _read_toml(path, problems)
    _apply_env_overrides(raw, env)
    _resolve_secrets(raw, env, "", problems)
    settings = _validate(raw, problems)
    if catalog is not None:
        # Checked on the raw tables, so connector problems are listed even when core ones exist.
        problems.extend(_check_connectors(raw, catalog))
    if problems:
        raise ConfigError(problems)
    assert settings is not None  # no problems means validation succeeded
    return settings


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


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    for name, value in sorted(env.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        target = raw
        for key in keys[:-1]:
            target = target.setdefault(key, {})
            if not isinstance(target, dict):
                break
        else:
            if keys:
                target[keys[-1]] = _parse_literal(value)


def _parse_literal(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _resolve_secrets(
    node: Any, env: Mapping[str, str], where: str, problems: list[ConfigProblem]
) -> None:
    for key, value, location in _children(node, where):
        if isinstance(value, str):
            resolved = _resolve_one(value, env, location, problems)
            if resolved is not None:
                node[key] = resolved
        else:
            _resolve_secrets(value, env, location, problems)


def _children(node: Any, where: str) -> Iterator[tuple[Any, Any, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value, f"{where}.{key}" if where else str(key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield index, value, f"{where}[{index}]"


def _resolve_one(
    value: str, env: Mapping[str, str], location: str, problems: list[ConfigProblem]
) -> str | None:
    if value.startswith("env:"):
        name = value[4:]
        if name not in env:
            problems.append(ConfigProblem(location, f"environment variable {name} is not set"))
            return ""
        return env[name]
    if value.startswith("file:"):
        try:
            return Path(value[5:]).read_text(encoding="utf-8").rstrip("\n")
        except OSError as error:
            problems.append(ConfigProblem(location, f"cannot read secret file: {error.strerror}"))
            return ""
    return None


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
