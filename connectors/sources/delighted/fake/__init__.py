"""A faithful fake of Delighted's survey API on loopback HTTP, for ``syncd demo`` and the tests."""

from connectors.sources.delighted.fake.app import DelightedFake
from connectors.sources.delighted.fake.faults import Fault

__all__ = ["DelightedFake", "Fault"]
