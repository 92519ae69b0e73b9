"""Delighted (https://api.delighted.com/v1) as a survey source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.delighted.settings import DelightedSettings

if TYPE_CHECKING:
    from connectors.sources.delighted.source import DelightedSource

__all__ = ["DelightedSettings", "DelightedSource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "DelightedSource":
        from connectors.sources.delighted.source import DelightedSource

        return DelightedSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
