"""Connectors: vendor adapters that implement the ports in ``syncd.contracts``."""
