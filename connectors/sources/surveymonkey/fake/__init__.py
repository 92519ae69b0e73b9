"""A faithful fake of SurveyMonkey's v3 API on loopback HTTP, for ``syncd demo`` and tests."""

from connectors.sources.surveymonkey.fake.app import SurveyMonkeyFake
from syncd.sandbox.faults import Chaos, Fault

__all__ = ["Chaos", "Fault", "SurveyMonkeyFake"]
