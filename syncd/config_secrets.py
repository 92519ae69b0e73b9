"""Resolve secret references in the raw config: ``env:NAME`` and ``file:/path``.

A reference that cannot be resolved is one problem at its option, saying which variable or
file and why; the option is then left empty, and the loader reports nothing else there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from syncd.errors import ConfigProblem


def resolve_secrets(
    raw: dict[str, Any], env: Mapping[str, str], problems: list[ConfigProblem]
) -> None:
    """Replace every ``env:``/``file:`` string in ``raw`` by what it refers to."""
    _resolve(raw, env, "", problems)


def _resolve(node: Any, env: Mapping[str, str], where: str, problems: list[ConfigProblem]) -> None:
    for key, value, location in _children(node, where):
        if isinstance(value, str):
            resolved, problem = _resolve_one(value, env)
            if problem is not None:
                problems.append(ConfigProblem(location, problem))
            if resolved is not None:
                node[key] = resolved
        else:
            _resolve(value, env, location, problems)


def _children(node: Any, where: str) -> Iterator[tuple[Any, Any, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value, f"{where}.{key}" if where else str(key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield index, value, f"{where}.{index}" if where else str(index)


def _resolve_one(value: str, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(the resolved value or None if ``value`` is no reference, the problem or None)."""
    if value.startswith("env:"):
        return _from_env(value[4:], env)
    if value.startswith("file:"):
        return _from_file(Path(value[5:]))
    return None, None


def _from_env(name: str, env: Mapping[str, str]) -> tuple[str, str | None]:
    if name not in env:
        return "", f"environment variable {name} is not set"
    if not env[name].strip():
        return "", f"environment variable {name} is empty"
    return env[name], None


def _from_file(path: Path) -> tuple[str, str | None]:
    try:
        text = path.read_text(encoding="utf-8").rstrip("\n")
    except (OSError, UnicodeDecodeError) as error:
        return "", f"secret file {path} {_why_unreadable(error)}"
    if not text.strip():
        return "", f"secret file {path} is empty"
    return text, None


def _why_unreadable(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, FileNotFoundError):
        return "does not exist"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(error, PermissionError):
        return "cannot be read: permission denied for this user"
    if isinstance(error, UnicodeDecodeError):
        return "cannot be read: it is not UTF-8 text"
    return f"cannot be read: {error.strerror or error}"
