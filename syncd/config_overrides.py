"""``SYNCD__`` environment overrides, each read by the type of the option it sets.

``SYNCD__DELIVERY__BATCH_SIZE=50`` sets ``[delivery] batch_size``. A value is never guessed from
its text: where the option takes text (a name, an owner, a path, a secret) the value is kept
verbatim, so ``SYNCD__ROUTING__FALLBACK_OWNER=12345`` is the owner "12345", not a number.
Every other option takes a TOML literal (``50``, ``true``, ``["nps", "ces"]``); text that is
not one is passed on as is and validation names the variable in its complaint.
"""

from __future__ import annotations

import tomllib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

from syncd.errors import ConfigProblem
from syncd.settings import Settings

ENV_PREFIX = "SYNCD__"
HIDDEN = "<hidden>"
_SHOWN = 40
#: Connector tables: the core model, and the catalog role of the connector's own model.
_CONNECTOR_ROLES = {"sources": "source", "crm": "crm"}


class SettingsModels(Protocol):
    """The settings model of a connector kind (``role`` is "source" or "crm")."""

    def settings_model(self, role: str, kind: str) -> type[BaseModel] | None:
        """The pydantic model of ``kind``'s settings, or None for an unknown kind."""
        ...


@dataclass(frozen=True, slots=True)
class Override:
    """One applied override: the variable, the option it set, and the value as shown to admins."""

    variable: str
    location: str
    shown: str

    def covers(self, location: str) -> bool:
        """True when ``location`` is this override's key or lies below it."""
        return location == self.location or location.startswith(f"{self.location}.")


def apply_overrides(
    raw: dict[str, Any],
    env: Mapping[str, str],
    models: SettingsModels | None,
    problems: list[ConfigProblem],
) -> tuple[Override, ...]:
    """Set every ``SYNCD__`` variable into ``raw``; typed once all are in (one may set a kind)."""
    placed: list[tuple[str, list[str], str]] = []
    for name, value in sorted(env.items()):
        keys = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if name.startswith(ENV_PREFIX) and keys and _place(raw, name, keys, value, problems):
            placed.append((name, keys, value))
    overrides = []
    for name, keys, value in placed:
        annotation = _annotation(raw, keys, models)
        if annotation is not None and not _takes_text(annotation):
            _set(raw, keys, _literal(value))
        shown = HIDDEN if _is_secret(annotation) else _cut(value)
        overrides.append(Override(name, ".".join(keys), shown))
    return tuple(overrides)


def _place(
    raw: dict[str, Any], name: str, keys: list[str], value: str, problems: list[ConfigProblem]
) -> bool:
    target = raw
    for depth, key in enumerate(keys[:-1]):
        target = target.setdefault(key, {})
        if not isinstance(target, dict):
            where = ".".join(keys[: depth + 1])
            message = f"{name} sets an option inside {where}, which is not a table"
            problems.append(ConfigProblem(where, message))
            return False
    target[keys[-1]] = value
    return True


def _set(raw: dict[str, Any], keys: Sequence[str], value: object) -> None:
    target = raw
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


def _annotation(raw: dict[str, Any], keys: Sequence[str], models: SettingsModels | None) -> Any:
    """The type of the option at ``keys``, or None where no model declares it."""
    annotation: Any = Settings
    for depth, key in enumerate(keys):
        if get_origin(annotation) is dict:  # sources.<name>: the key is a name
            annotation = get_args(annotation)[1]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        field = annotation.model_fields.get(key)
        if field is None and depth > 0 and keys[0] in _CONNECTOR_ROLES:
            field = _connector_field(raw, keys[:depth], key, models)
        if field is None:
            return None
        annotation = field.annotation
    return annotation


def _connector_field(
    raw: dict[str, Any], table: Sequence[str], key: str, models: SettingsModels | None
) -> Any:
    section: Any = raw
    for name in table:
        section = section.get(name) if isinstance(section, dict) else None
    kind = section.get("kind") if isinstance(section, dict) else None
    if models is None or not isinstance(kind, str):
        return None
    model = models.settings_model(_CONNECTOR_ROLES[table[0]], kind)
    return None if model is None else model.model_fields.get(key)


def _takes_text(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return all(_takes_text(arg) for arg in get_args(annotation) if arg is not type(None))
    if origin is Literal:
        return all(isinstance(arg, str) for arg in get_args(annotation))
    # str covers StrEnum options (priority, categories) as well.
    return isinstance(annotation, type) and issubclass(annotation, str | SecretStr | Path)


def _is_secret(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType, Annotated):
        return any(_is_secret(arg) for arg in get_args(annotation))
    return annotation is SecretStr


def _literal(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _cut(value: str) -> str:
    return value if len(value) <= _SHOWN else f"{value[: _SHOWN - 3]}..."
