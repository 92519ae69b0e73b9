"""The explicit mapping from a config ``kind`` to its connector class.

Classes are named by dotted path and imported on first use, so a deployment that only talks to
HubSpot never imports simple-salesforce, and a typo in ``kind`` is a config error, not a crash.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

SOURCES: dict[str, str] = {
    "asknicely": "connectors.sources.asknicely:AskNicelySource",
    "delighted": "connectors.sources.delighted:DelightedSource",
    "surveymonkey": "connectors.sources.surveymonkey:SurveyMonkeySource",
    "typeform": "connectors.sources.typeform:TypeformSource",
    "wootric": "connectors.sources.wootric:WootricSource",
}
#: Sources that only take pushed deliveries: nothing is listed, so they have no listing fake and
#: stay out of the source contract suite.
PUSH_SOURCES: dict[str, str] = {
    "jsonhook": "connectors.sources.jsonhook:JsonHookSource",
}
CRMS: dict[str, str] = {
    "hubspot": "connectors.crm.hubspot:HubSpotCrm",
    "salesforce": "connectors.crm.salesforce:SalesforceCrm",
}
_ROLES = {"source": {**SOURCES, **PUSH_SOURCES}, "crm": CRMS}
#: Each kind's settings model (its connector's ``Settings``), importable without the connector:
#: loading the config (``syncd check --local``, every 30 s) never imports an SDK.
SETTINGS: dict[str, dict[str, str]] = {
    "source": {
        "asknicely": "connectors.sources.asknicely.settings:AskNicelySettings",
        "delighted": "connectors.sources.delighted.settings:DelightedSettings",
        "jsonhook": "connectors.sources.jsonhook.settings:JsonHookSettings",
        "surveymonkey": "connectors.sources.surveymonkey.settings:SurveyMonkeySettings",
        "typeform": "connectors.sources.typeform.settings:TypeformSettings",
        "wootric": "connectors.sources.wootric.settings:WootricSettings",
    },
    "crm": {
        "hubspot": "connectors.crm.hubspot.settings:HubSpotSettings",
        "salesforce": "connectors.crm.salesforce.settings:SalesforceSettings",
    },
}


def connector_class(role: str, kind: str) -> Any:
    """The connector class for ``kind``; it has a pydantic ``Settings`` attribute."""
    return _named(_ROLES[role][kind])


def settings_class(role: str, kind: str) -> type[BaseModel]:
    """The settings model of ``kind``: ``connector_class(role, kind).Settings``, lighter."""
    model: type[BaseModel] = _named(SETTINGS[role][kind])
    return model


def _named(path: str) -> Any:
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


class Catalog:
    """``syncd.config_loader.ConnectorCatalog`` over this registry."""

    def kinds(self, role: str) -> tuple[str, ...]:
        """The connector kinds registered for ``role``, sorted."""
        return tuple(sorted(_ROLES[role]))

    def settings_model(self, role: str, kind: str) -> type[BaseModel] | None:
        """The settings model of ``kind``, or None when no connector of that kind exists."""
        if kind not in _ROLES[role]:
            return None
        return settings_class(role, kind)


#: Each connector's sandbox fake, by role and kind: what ``syncd demo`` and the tests serve.
FAKES: dict[str, dict[str, str]] = {
    "source": {
        "asknicely": "connectors.sources.asknicely.fake:AskNicelyFake",
        "delighted": "connectors.sources.delighted.fake:DelightedFake",
        "surveymonkey": "connectors.sources.surveymonkey.fake:SurveyMonkeyFake",
        "typeform": "connectors.sources.typeform.fake:TypeformFake",
        "wootric": "connectors.sources.wootric.fake:WootricFake",
    },
    "crm": {
        "hubspot": "connectors.crm.hubspot.fake:HubSpotFake",
        "salesforce": "connectors.crm.salesforce.fake:SalesforceFake",
    },
}


def fake_kinds(role: str) -> tuple[str, ...]:
    """The kinds of ``role`` that have a sandbox fake."""
    return tuple(sorted(FAKES[role]))


def build_fake(
    role: str,
    kind: str,
    section: Mapping[str, object],
    *,
    clock: Callable[[], datetime] | None = None,
) -> Any:
    """A fake of ``kind`` that accepts the credentials of its config ``section``.

    ``clock`` stamps the fake's records (the demo's simulated week); None: the real clock.
    """
    factory = _named(FAKES[role][kind])
    timed = {} if clock is None else {"clock": clock}
    return factory.for_settings(section, **timed)
