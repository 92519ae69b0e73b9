"""How the contract suites drive each registered connector against its fake.

One adapter per kind: how to build the connector against its running fake, and how to make the
fake misbehave in the ways every vendor can (rate limits, failures, lost answers, a broken
setup). Seeding goes through the vendor-neutral ``syncd.sandbox.fakes`` hooks, so the suites
hold the test logic and adding a vendor means adding its wiring here, not new tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.salesforce.fake import SalesforceFake
from connectors.registry import CRMS, FAKES, SOURCES, build_fake, connector_class
from connectors.sources.asknicely.fake import AskNicelyFake
from connectors.sources.delighted.fake import DelightedFake
from connectors.sources.surveymonkey.fake import SurveyMonkeyFake
from connectors.sources.typeform.fake import TypeformFake
from connectors.sources.wootric.fake import WootricFake
from syncd.contracts import Crm, SurveySource
from syncd.sandbox.fakes import CrmFake, SourceFake
from syncd.sandbox.faults import Fault
from syncd.sandbox.http import LoopbackServer, Request, Response

Hook = Callable[[], None]


@dataclass
class Recorder:
    """Sleeps and a monotonic clock that only moves when slept: retries cost no wall time."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class _Hooked:
    """The fake behind a hook that runs after each answered request (data changing mid-listing)."""

    def __init__(self, app: Any) -> None:
        self.app: Any = app  # the fake the registry built; each adapter knows its class
        self.after: Hook | None = None

    def __call__(self, request: Request) -> Response:
        response: Response = self.app(request)
        if self.after is not None:
            self.after()
        return response


class SourceAdapter(Protocol):
    """A source kind under contract: its fake, its connector, its failure modes."""

    fake: SourceFake
    sleeps: Recorder
    hooked: _Hooked

    def source(self, *, page_size: int = 20, credential: str | None = None) -> SurveySource: ...
    def fail(self, status: int, *, times: int, retry_after: float | None = None) -> None: ...
    def repeat_pages(self) -> None: ...


class CrmAdapter(Protocol):
    """A CRM kind under contract: its fake, its connector, its failure modes."""

    fake: CrmFake
    clock: Recorder

    def crm(self, *, credential: str | None = None) -> Crm: ...
    def fail_writes(self, status: int, *, times: int, retry_after: float | None = None) -> None: ...
    def lose_next_create_answer(self) -> None: ...
    def break_task_setup(self) -> None: ...
    def contact_facts(self, contact_id: str) -> tuple[str | None, datetime | None]:
        """The contact's NPS score (as text) and loop-closed time, as the fake holds them."""
        ...


@dataclass
class _Served:
    server: LoopbackServer
    hooked: _Hooked
    section: dict[str, Any]


@contextmanager
def _serve(role: str, kind: str, section: dict[str, Any]) -> Iterator[_Served]:
    hooked = _Hooked(build_fake(role, kind, section))
    with LoopbackServer(hooked) as server:
        yield _Served(server, hooked, section)


class _Misbehaving(Protocol):
    """What every source fake offers to make it fail: queued statuses and broken listings."""

    def inject(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None: ...
    def misbehave(self, fault: Fault | None) -> None: ...


@dataclass(frozen=True, slots=True)
class _SourceWiring:
    """How one source kind meets its fake: the fake's class, its API path, its settings."""

    fake: type[Any]
    #: What the connector's ``base_url`` adds to the server's address.
    path: str
    #: The setting that carries the credential.
    credential: str
    #: A request rate no contract test ever reaches.
    unlimited: dict[str, int]


_SOURCE_WIRING: dict[str, _SourceWiring] = {
    "delighted": _SourceWiring(DelightedFake, "/v1", "api_key", {"requests_per_second": 1000}),
    "typeform": _SourceWiring(TypeformFake, "", "access_token", {"requests_per_second": 1000}),
    "surveymonkey": _SourceWiring(
        SurveyMonkeyFake, "/v3", "access_token", {"requests_per_minute": 100_000}
    ),
    "asknicely": _SourceWiring(AskNicelyFake, "/api/v1", "api_key", {"requests_per_second": 1000}),
    "wootric": _SourceWiring(WootricFake, "/v1", "client_secret", {"requests_per_second": 1000}),
}


class _Source:
    """A source kind against its fake; every source fake fails and breaks its listing alike."""

    def __init__(self, kind: str, served: _Served) -> None:
        wiring = _SOURCE_WIRING[kind]
        self.kind, self._credential, self._unlimited = kind, wiring.credential, wiring.unlimited
        self.hooked, self.sleeps = served.hooked, Recorder()
        assert isinstance(served.hooked.app, wiring.fake)
        self.fake: SourceFake = served.hooked.app
        self._vendor: _Misbehaving = served.hooked.app
        self._settings = served.section | {"base_url": f"{served.server.base_url}{wiring.path}"}

    def source(self, *, page_size: int = 20, credential: str | None = None) -> SurveySource:
        cls = connector_class("source", self.kind)
        values = self._settings | {"page_size": page_size} | self._unlimited
        values |= {} if credential is None else {self._credential: credential}
        built: SurveySource = cls(
            "contract", cls.Settings.model_validate(values), sleep=self.sleeps.sleep
        )
        return built

    def fail(self, status: int, *, times: int, retry_after: float | None = None) -> None:
        self._vendor.inject(status, times=times, retry_after=retry_after)

    def repeat_pages(self) -> None:
        self._vendor.misbehave(Fault.REPEAT)


class HubSpotAdapter:
    def __init__(self, served: _Served) -> None:
        self.clock = Recorder()
        assert isinstance(served.hooked.app, HubSpotFake)
        self.fake: CrmFake = served.hooked.app
        self._vendor = served.hooked.app
        self._settings = served.section | {"base_url": served.server.base_url}
        self._vendor.lag_search(0)  # the contract is not about index lag (the fake's own tests are)
        self.fake.set_up()

    def crm(self, *, credential: str | None = None) -> Crm:
        cls = connector_class("crm", "hubspot")
        values = self._settings | ({} if credential is None else {"access_token": credential})
        settings = cls.Settings.model_validate(values)
        built: Crm = cls("contract", settings, sleep=self.clock.sleep, clock=self.clock)
        return built

    def fail_writes(self, status: int, *, times: int, retry_after: float | None = None) -> None:
        self._vendor.inject("/batch/", status, times=times, retry_after=retry_after)

    def lose_next_create_answer(self) -> None:
        # The write lands, then the connection drops: the client cannot know it happened.
        self._vendor.inject("/tasks/batch/", 500, after_processing=True, drop=True)

    def break_task_setup(self) -> None:
        self._vendor.withhold_scope("/objects/tasks", "crm.objects.tasks.write")

    def contact_facts(self, contact_id: str) -> tuple[str | None, datetime | None]:
        (held,) = [c["properties"] for c in self._vendor.contacts() if c["id"] == contact_id]
        closed = held.get("nps_loop_closed_at") or None
        return held.get("nps_score") or None, None if closed is None else _instant(closed)


class SalesforceAdapter:
    def __init__(self, served: _Served) -> None:
        self.clock = Recorder()
        assert isinstance(served.hooked.app, SalesforceFake)
        self.fake: CrmFake = served.hooked.app
        self._vendor = served.hooked.app
        self._settings = served.section | {"base_url": served.server.base_url}
        self.fake.set_up()

    def crm(self, *, credential: str | None = None) -> Crm:
        cls = connector_class("crm", "salesforce")
        values = self._settings | ({} if credential is None else {"consumer_secret": credential})
        settings = cls.Settings.model_validate(values)
        built: Crm = cls("contract", settings, sleep=self.clock.sleep, clock=self.clock)
        return built

    def fail_writes(self, status: int, *, times: int, retry_after: float | None = None) -> None:
        self._vendor.inject("/composite", status, times=times, retry_after=retry_after)

    def lose_next_create_answer(self) -> None:
        # The collection is saved, then the connection drops: the client cannot know it was.
        self._vendor.inject("/composite", 500, after_processing=True, drop=True)

    def break_task_setup(self) -> None:
        self._vendor.drop_field("Task", "Syncd_Key__c")

    def contact_facts(self, contact_id: str) -> tuple[str | None, datetime | None]:
        (held,) = [r for r in self._vendor.records("Contact") if r["Id"] == contact_id]
        score, closed = held.get("NPS_Score__c"), held.get("NPS_Loop_Closed_At__c")
        return None if score is None else str(int(score)), closed


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


_SOURCE_SECTIONS: dict[str, dict[str, Any]] = {
    "delighted": {"api_key": "contract-key"},
    "typeform": {"access_token": "contract-token", "forms": ["aB12cD"], "nps_ref": "nps"},
    "surveymonkey": {
        "access_token": "contract-token",
        "surveys": ["412233001"],
        "daily_request_limit": 100_000,
    },
    "asknicely": {"api_key": "contract-key"},
    "wootric": {"client_id": "contract-client", "client_secret": "contract-secret"},
}
_CRM_SECTIONS: dict[str, dict[str, Any]] = {
    "hubspot": {"access_token": "contract-token"},
    "salesforce": {"consumer_key": "contract-key", "consumer_secret": "contract-secret"},
}
_CRM_ADAPTERS: dict[str, Callable[[_Served], CrmAdapter]] = {
    "hubspot": HubSpotAdapter,
    "salesforce": SalesforceAdapter,
}


def source_kinds() -> list[str]:
    """Every registered source; one without an adapter fails the suite instead of skipping it."""
    return sorted(SOURCES)


def crm_kinds() -> list[str]:
    return sorted(CRMS)


@contextmanager
def source_adapter(kind: str) -> Iterator[SourceAdapter]:
    assert kind in FAKES["source"] and kind in _SOURCE_WIRING, f"{kind} needs a fake and adapter"
    with _serve("source", kind, _SOURCE_SECTIONS[kind]) as served:
        yield _Source(kind, served)


@contextmanager
def crm_adapter(kind: str) -> Iterator[CrmAdapter]:
    assert kind in FAKES["crm"] and kind in _CRM_ADAPTERS, f"{kind} needs a fake and adapter"
    with _serve("crm", kind, _CRM_SECTIONS[kind]) as served:
        yield _CRM_ADAPTERS[kind](served)
