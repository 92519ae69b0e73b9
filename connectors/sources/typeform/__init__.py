"""Typeform (https://api.typeform.com) as a survey source, polled per form and pushed by webhook."""

from connectors.sources.typeform.settings import TypeformSettings
from connectors.sources.typeform.source import TypeformSource

__all__ = ["TypeformSettings", "TypeformSource"]
