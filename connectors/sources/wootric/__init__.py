"""Wootric / InMoment (https://api.wootric.com/v1) as a survey source with a signed webhook."""

from connectors.sources.wootric.settings import WootricSettings
from connectors.sources.wootric.source import WootricSource

__all__ = ["WootricSettings", "WootricSource"]
