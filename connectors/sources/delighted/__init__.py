"""Delighted (https://api.delighted.com/v1) as a survey source."""

from connectors.sources.delighted.settings import DelightedSettings
from connectors.sources.delighted.source import DelightedSource

__all__ = ["DelightedSettings", "DelightedSource"]
