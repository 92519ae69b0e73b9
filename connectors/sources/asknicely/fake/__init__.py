"""A faithful fake of AskNicely's responses API on loopback HTTP, for ``syncd demo`` and tests."""

from connectors.sources.asknicely.fake.app import AskNicelyFake
from connectors.sources.asknicely.fake.faults import Chaos, Fault

__all__ = ["AskNicelyFake", "Chaos", "Fault"]
