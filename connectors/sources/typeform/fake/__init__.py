"""A faithful fake of Typeform's Responses API on loopback HTTP, for ``syncd demo`` and tests."""

from connectors.sources.typeform.fake.app import TypeformFake
from syncd.sandbox.faults import Chaos, Fault

__all__ = ["Chaos", "Fault", "TypeformFake"]
