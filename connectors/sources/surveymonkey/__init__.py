"""SurveyMonkey (https://api.surveymonkey.com/v3) as a survey source, polled per survey."""

from connectors.sources.surveymonkey.settings import SurveyMonkeySettings
from connectors.sources.surveymonkey.source import SurveyMonkeySource

__all__ = ["SurveyMonkeySettings", "SurveyMonkeySource"]
