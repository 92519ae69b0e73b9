"""SurveyMonkey (https://api.surveymonkey.com/v3) as a survey source, polled per survey."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.sources.surveymonkey.settings import SurveyMonkeySettings

if TYPE_CHECKING:
    from connectors.sources.surveymonkey.source import SurveyMonkeySource

__all__ = ["SurveyMonkeySettings", "SurveyMonkeySource"]


def __getattr__(name: str) -> object:
    # Imported on first use: loading the config needs the settings, not the connector's client.
    if name == "SurveyMonkeySource":
        from connectors.sources.surveymonkey.source import SurveyMonkeySource

        return SurveyMonkeySource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
