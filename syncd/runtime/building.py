"""Build the configured connectors from the registry, without the daemon's wiring.

``syncd check``, ``crm setup`` and ``backfill`` need the connectors only; ``compose`` builds the
daemon around them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from sqlalchemy import Engine

from connectors.registry import connector_class
from syncd.clock import utcnow
from syncd.contracts import Crm, SurveySource
from syncd.edge.limiter import LimiterFactory
from syncd.runtime.shared_limits import store_limiters
from syncd.settings import Settings

#: Makes the limiter factory of one connector, given its scope ("crm:<name>", "source:<name>").
ScopedLimiters = Callable[[str], LimiterFactory]


def shared_limiters(engine: Engine) -> ScopedLimiters | None:
    """Limiters in the store when replicas may share it (PostgreSQL); None: each its own."""
    if engine.dialect.name != "postgresql":
        return None
    return lambda scope: store_limiters(engine, scope)


def build_sources(
    settings: Settings, limiters: ScopedLimiters | None = None
) -> dict[str, SurveySource]:
    """A connector for every enabled source section, by section name.

    ``limiters``: budgets shared with other replicas; None keeps each connector's own.
    """
    sources: dict[str, SurveySource] = {}
    for name, section in settings.sources.items():
        if section.enabled:
            cls = connector_class("source", section.kind)
            options = cls.Settings.model_validate(section.model_extra or {})
            shared = {} if limiters is None else {"limiters": limiters(f"source:{name}")}
            # Sources read the time through syncd's clock: real, or the demo's simulated week.
            sources[name] = cls(name, options, clock=utcnow, **shared)
    return sources


def build_crm(settings: Settings, limiters: ScopedLimiters | None = None) -> Crm:
    """The connector of the ``[crm]`` section (``limiters`` as for ``build_sources``)."""
    cls = connector_class("crm", settings.crm.kind)
    options = cls.Settings.model_validate(settings.crm.model_extra or {})
    shared: dict[str, object] = (
        {} if limiters is None else {"limiters": limiters(f"crm:{settings.crm.name}")}
    )
    # A CRM that keeps time-windowed figures (HubSpot's company roll-up) reads the time of day
    # through syncd's clock, as sources do: real, or the demo's simulated week.
    if "now" in inspect.signature(cls).parameters:
        shared["now"] = utcnow
    crm: Crm = cls(settings.crm.name, options, **shared)
    return crm
