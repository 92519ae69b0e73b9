"""``syncd --version`` and ``syncd config show``: what is installed and what it would run with."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption
from syncd.errors import ConfigError

if TYPE_CHECKING:
    from syncd.config_origin import EffectiveConfig


class ShowFormat(StrEnum):
    """Output formats of ``syncd config show``."""

    TOML = "toml"
    JSON = "json"


def register(app: typer.Typer, config_app: typer.Typer) -> None:
    """Add ``--version`` to ``syncd`` and ``show`` to ``syncd config``."""
    app.callback()(_root)
    config_app.command("show")(config_show)


def package_version() -> str:
    """The installed distribution's version (the package metadata is the one source of it)."""
    try:
        return version("syncd")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"syncd {package_version()}")
        raise typer.Exit(0)


def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """Close the NPS loop: survey answers -> CRM contacts -> owned tasks."""


def config_show(
    config: ConfigOption = DEFAULT_CONFIG,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.TOML,
) -> None:
    """Print the effective config, secrets redacted, each value's origin (file, env, default)."""
    from syncd.config_origin import effective_config
    from syncd.runtime.loading import connector_catalog

    try:
        shown = effective_config(config, os.environ, connector_catalog())
    except ConfigError as error:
        typer.echo(f"syncd: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(_json(shown) if fmt is ShowFormat.JSON else _toml(shown), nl=False)


def _json(shown: EffectiveConfig) -> str:
    return json.dumps({"config": shown.values, "origins": shown.origins}, indent=2) + "\n"


def _toml(shown: EffectiveConfig) -> str:
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("effective configuration; each value's origin follows it"))
    _fill(document, shown.values, "", shown.origins)
    return tomlkit.dumps(document)


def _fill(table: Any, values: dict[str, Any], where: str, origins: dict[str, str]) -> None:
    import tomlkit

    nested: list[tuple[str, Any, str]] = []
    for key, value in values.items():
        location = f"{where}.{key}" if where else key
        if _is_table(value):
            nested.append((key, value, location))
        elif value is None:
            table.add(tomlkit.comment(f"{key}: not set ({origins.get(location, 'default')})"))
        else:
            item = tomlkit.inline_table() if value == {} else tomlkit.item(value)
            item.comment(origins.get(location, "default"))
            table.add(key, item)
    for key, value, location in nested:  # tables after the plain keys, as TOML requires
        if isinstance(value, dict):
            sub = tomlkit.table()
            _fill(sub, value, location, origins)
            table.add(key, sub)
        else:
            rules = tomlkit.aot()
            for index, entry in enumerate(value):
                sub = tomlkit.table()
                _fill(sub, entry, f"{location}.{index}", origins)
                rules.append(sub)
            table.add(key, rules)


def _is_table(value: object) -> bool:
    """A sub-table or an array of tables: written after the section's plain keys."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(item, dict) for item in value)
    return isinstance(value, dict) and bool(value)
