"""A generic JSON webhook with a configured field mapping, for tools syncd has no connector for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.jsonhook.settings import JsonHookSettings

if TYPE_CHECKING:
    from connectors.sources.jsonhook.source import JsonHookSource

__all__ = ["JsonHookSettings", "JsonHookSource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "JsonHookSource":
        from connectors.sources.jsonhook.source import JsonHookSource

        return JsonHookSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
