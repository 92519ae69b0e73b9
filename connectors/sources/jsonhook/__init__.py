"""A generic JSON webhook with a configured field mapping, for tools syncd has no connector for."""

from connectors.sources.jsonhook.settings import JsonHookSettings
from connectors.sources.jsonhook.source import JsonHookSource

__all__ = ["JsonHookSettings", "JsonHookSource"]
