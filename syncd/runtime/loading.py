"""Load the configuration with every registered connector's settings model.

Apart from ``compose`` (the daemon's wiring), so a command that only needs its settings does not
import the daemon, its HTTP port and its store queries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from connectors.registry import Catalog
from syncd.config_loader import load_settings
from syncd.settings import Settings


def load(path: Path, env: Mapping[str, str] | None = None, *, secrets: bool = True) -> Settings:
    """Load and validate the configuration file with every connector's settings model."""
    return load_settings(path, os.environ if env is None else env, Catalog(), secrets=secrets)


def connector_catalog() -> Catalog:
    """Every connector kind's settings model, for commands that read connector options."""
    return Catalog()
