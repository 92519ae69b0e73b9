"""AskNicely (https://<subdomain>.asknice.ly/api/v1) as a survey source with a webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.asknicely.settings import AskNicelySettings

if TYPE_CHECKING:
    from connectors.sources.asknicely.source import AskNicelySource

__all__ = ["AskNicelySettings", "AskNicelySource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "AskNicelySource":
        from connectors.sources.asknicely.source import AskNicelySource

        return AskNicelySource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
