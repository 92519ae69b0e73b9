"""Typeform (https://api.typeform.com) as a survey source, polled per form and pushed by webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.typeform.settings import TypeformSettings

if TYPE_CHECKING:
    from connectors.sources.typeform.source import TypeformSource

__all__ = ["TypeformSettings", "TypeformSource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "TypeformSource":
        from connectors.sources.typeform.source import TypeformSource

        return TypeformSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
