"""Faithful fakes of the vendor APIs on loopback HTTP, for ``syncd demo`` and the tests."""
