"""A faithful fake of Wootric's API on loopback HTTP, for ``syncd demo`` and the tests."""

from connectors.sources.wootric.fake.app import WootricFake
from connectors.sources.wootric.fake.faults import Chaos, Fault

__all__ = ["Chaos", "Fault", "WootricFake"]
