"""The effective configuration as an admin may see it: every value, where it came from, no secret.

Each option's origin is ``file`` (the TOML file sets it), ``env SYNCD__...`` (an environment
override set it) or ``default`` (neither did). Secrets never appear: an option read through an
``env:``/``file:`` reference shows as ``*** (env:NAME)``; a connector option typed as a secret, or
one named like a token, key, password or secret, shows as ``***``; the database URL loses its
password; and any other text that happens to contain a secret is redacted as log lines are.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url

from syncd.config_loader import ConnectorCatalog, load_settings, settings_secrets
from syncd.config_overrides import Override, apply_overrides
from syncd.errors import ConfigProblem
from syncd.redact import MASK, Redactor
from syncd.settings import CrmSettings, Settings, SourceSettings

FILE = "file"
DEFAULT = "default"
#: Option names that hold credentials whatever their type (a connector may type one as plain text).
_SECRET_NAME = re.compile(
    r"token|password|passwd|secret|api_?key|private_?key|consumer_key|credential", re.IGNORECASE
)
_REFERENCE = ("env:", "file:")


@dataclass(frozen=True, slots=True)
class EffectiveConfig:
    """The validated settings as plain data (secrets masked) and each leaf's origin by location."""

    values: dict[str, Any]
    origins: dict[str, str]


def effective_config(
    path: Path, env: Mapping[str, str], catalog: ConnectorCatalog
) -> EffectiveConfig:
    """Load ``path`` as the daemon would (``ConfigError`` on any problem) and describe it."""
    settings = load_settings(path, env, catalog)
    in_file = tomllib.loads(path.read_text(encoding="utf-8"))
    raw = copy.deepcopy(in_file)
    overrides = apply_overrides(raw, env, catalog, list[ConfigProblem]())
    references = dict(_references(raw, ""))
    values = _settings_data(settings, catalog)
    redactor = Redactor.of(settings_secrets(settings, catalog))
    origins: dict[str, str] = {}
    _describe(values, "", _Context(in_file, overrides, references, redactor, origins))
    return EffectiveConfig(values, origins)


@dataclass(frozen=True, slots=True)
class _Context:
    in_file: dict[str, Any]
    overrides: tuple[Override, ...]
    references: dict[str, str]
    redactor: Redactor
    origins: dict[str, str]

    def origin(self, location: str) -> str:
        override = next((o for o in self.overrides if o.covers(location)), None)
        if override is not None:
            return f"env {override.variable}"
        return FILE if _present(self.in_file, location.split(".")) else DEFAULT


def _settings_data(settings: Settings, catalog: ConnectorCatalog) -> dict[str, Any]:
    """Every option with its value, connector options (and their defaults) included."""
    data = _model_data(settings, skip={"sources", "crm"})
    data["sources"] = {
        name: _section_data(section, catalog, "source", SourceSettings)
        for name, section in settings.sources.items()
    }
    data["crm"] = _section_data(settings.crm, catalog, "crm", CrmSettings)
    url = settings.daemon.database_url
    if url is not None:
        data["daemon"]["database_url"] = make_url(url).render_as_string(hide_password=True)
    return data


def _section_data(
    section: BaseModel, catalog: ConnectorCatalog, role: str, core: type[BaseModel]
) -> dict[str, Any]:
    data = _model_data(section, skip=set())
    for name in section.model_extra or {}:
        data.pop(name, None)  # the connector's model gives these typed, with its defaults
    model = catalog.settings_model(role, str(getattr(section, "kind", "")))
    if model is not None:
        extra = model.model_validate(section.model_extra or {})
        data.update(_model_data(extra, skip=set(core.model_fields)))
    return data


def _model_data(model: BaseModel, skip: set[str]) -> dict[str, Any]:
    # The model's own JSON form keeps each option as it is written (a serializer may apply).
    dumped = model.model_dump(mode="json")
    data: dict[str, Any] = {}
    for name in (*type(model).model_fields, *(model.model_extra or {})):
        if name not in skip:
            data[name] = _value_data(getattr(model, name), dumped.get(name))
    return data


def _value_data(value: object, dumped: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, BaseModel):
        return _model_data(value, skip=set())
    if isinstance(value, list | tuple) and isinstance(dumped, list):
        return [_value_data(item, shown) for item, shown in zip(value, dumped, strict=True)]
    if isinstance(value, Mapping) and isinstance(dumped, dict):
        return {str(k): _value_data(item, dumped.get(str(k))) for k, item in value.items()}
    return dumped


def _describe(node: Any, where: str, ctx: _Context) -> Any:
    """Mask secrets in place and record the origin of every leaf under ``where``."""
    children: Iterator[tuple[Any, Any]]
    if isinstance(node, dict) and node:
        children = iter(list(node.items()))
    elif isinstance(node, list) and any(isinstance(item, dict) for item in node):
        children = iter(list(enumerate(node)))
    else:
        return _leaf(node, where, ctx)
    for key, value in children:
        location = f"{where}.{key}" if where else str(key)
        node[key] = _describe(value, location, ctx)
    return node


def _leaf(value: Any, where: str, ctx: _Context) -> Any:
    ctx.origins[where] = ctx.origin(where)
    reference = ctx.references.get(where)
    if reference is not None:
        return f"{MASK} ({reference})"
    name = where.rsplit(".", 1)[-1]
    if value is not None and _SECRET_NAME.search(name):
        return MASK
    if isinstance(value, str):
        return ctx.redactor.redact(value)
    if isinstance(value, list):
        return [ctx.redactor.redact(v) if isinstance(v, str) else v for v in value]
    return value


def _references(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """(location, reference) of every ``env:``/``file:`` value in the raw config."""
    items: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        location = f"{where}.{key}" if where else str(key)
        if isinstance(value, str) and value.startswith(_REFERENCE):
            yield location, value
        else:
            yield from _references(value, location)


def _present(node: Any, keys: list[str]) -> bool:
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True
