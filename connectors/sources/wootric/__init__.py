"""Wootric / InMoment (https://api.wootric.com/v1) as a survey source with a signed webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.wootric.settings import WootricSettings

if TYPE_CHECKING:
    from connectors.sources.wootric.source import WootricSource

__all__ = ["WootricSettings", "WootricSource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "WootricSource":
        from connectors.sources.wootric.source import WootricSource

        return WootricSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
