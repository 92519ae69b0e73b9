"""``HubSpotFake``: the HTTP app (auth, routing, rate limits, faults) and its test-facing API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.crm.hubspot.fake import payload, provision
from connectors.crm.hubspot.fake.companies import CompanyControls
from connectors.crm.hubspot.fake.controls import FaultControls
from connectors.crm.hubspot.fake.directory import new_property
from connectors.crm.hubspot.fake.errors import (
    HubSpotError,
    already_exists,
    correlation_headers,
    error_body,
    missing_scopes,
    unauthorized,
)
from connectors.crm.hubspot.fake.limits import SECONDLY, TEN_SECONDLY, Fault, Faults
from connectors.crm.hubspot.fake.notes import NoteControls
from connectors.crm.hubspot.fake.quota import Quota
from connectors.crm.hubspot.fake.routes import Route, resolve
from connectors.crm.hubspot.fake.schema import CONTACTS, TASKS, PropertyDef
from connectors.crm.hubspot.fake.state import Record, Store
from connectors.crm.hubspot.fake.timefmt import utc_now
from connectors.crm.hubspot.fake.unique import UniqueConflict
from connectors.crm.hubspot.fake.users import TaskWork
from connectors.crm.hubspot.fake.values import check_properties
from connectors.crm.hubspot.rollup_names import RollupPropertyNames
from connectors.crm.hubspot.settings import HubSpotFieldNames
from syncd.sandbox.http import Request, Response

_NO_TOKEN = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
    "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


#: HubSpot: "It may take a few moments for newly created or updated CRM objects to appear" in
#: search; the sandbox lags by default, and tests of other things pass 0 explicitly.
DEFAULT_SEARCH_LAG_SECONDS = 2.0


class HubSpotFake(FaultControls, TaskWork, CompanyControls, NoteControls):
    """A stateful fake of the HubSpot CRM API, to serve with ``LoopbackServer(fake)``.

    ``clock`` stamps records and ages the search index (``search_lag_seconds``); rate limits run
    on real time. Every request is served under one lock, so the threaded server is safe.
    """

    vendor = "HubSpot"

    def __init__(
        self,
        token: str = "sandbox-token",
        *,
        clock: Callable[[], datetime] = utc_now,
        search_lag_seconds: float = DEFAULT_SEARCH_LAG_SECONDS,
        ten_second_limit: int = 190,
        daily_limit: int = 1_000_000,
    ) -> None:
        self._token = token
        self.search_lag_seconds = search_lag_seconds
        self._store = Store(clock, search_lag_seconds)
        self._lock = threading.RLock()
        self._quota = Quota(ten_second_limit, daily_limit, self._store.now)
        self._faults = Faults()
        self._withheld: dict[str, str] = {}  # path fragment -> scope the app lacks for it
        self.requests: list[tuple[str, str]] = []

    # the HTTP app

    def __call__(self, request: Request) -> Response:
        with self._lock:
            delay = self._faults.delay_for(request.method, request.path)
            drawn = None if self._chaos is None else self._chaos.draw(request.path)
        delay += 0.0 if drawn is None else drawn.delay
        if delay:
            time.sleep(delay)  # outside the lock: other requests (the client's retry) go ahead
        with self._lock:
            self.requests.append((request.method, request.path))
            try:
                return self._serve(request, None if drawn is None else drawn.fault)
            except HubSpotError as error:
                return Response(error.status, error.body, correlation_headers(error.body))

    def _serve(self, request: Request, drawn: Fault | None = None) -> Response:
        self._authenticate(request)
        self._authorize(request)
        route, params = resolve(request)
        policy = SECONDLY if route.search else TEN_SECONDLY
        fault = drawn or self._faults.take(request.path)
        if fault is not None and not fault.after_processing:
            return self._headers(route, fault.response(policy, named=self._quota.named_policies))
        refused = self._quota.refuse(route.search)
        if refused is not None:
            return self._headers(route, refused)
        response = self._handle(route, request, params)
        if fault is not None:  # the work is done, but the client learns nothing of it
            response = fault.response(policy, named=self._quota.named_policies)
        return self._headers(route, response)

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header:
            raise unauthorized(_NO_TOKEN)
        if header != f"Bearer {self._token}":
            raise unauthorized("The access token provided is invalid.")

    def _authorize(self, request: Request) -> None:
        for fragment, scope in self._withheld.items():
            if fragment in request.path:
                raise missing_scopes(scope)

    def _handle(self, route: Route, request: Request, params: Mapping[str, str]) -> Response:
        try:
            return route.handler(self._store, request, params)
        except HubSpotError as error:
            return Response(error.status, error.body)
        except UniqueConflict as clash:  # a second record with a unique value: HubSpot's 409
            refusal = already_exists(clash.object_type, clash.name, clash.value, clash.holder)
            return Response(refusal.status, refusal.body)
        except Exception as exc:  # a bug in the fake: answer like HubSpot's 500, but say what broke
            return Response(500, error_body(f"internal error (fake crashed: {exc!r})"))

    def _headers(self, route: Route, response: Response) -> Response:
        response.headers |= correlation_headers(response.body)
        if not route.search:  # HubSpot sends no rate-limit headers on search responses
            response.headers |= self._quota.headers()
        return response

    def lag_search(self, seconds: float) -> None:
        """How long a change stays invisible to search; 0 for tests of something else."""
        with self._lock:
            self.search_lag_seconds = seconds
            self._store.lag = timedelta(seconds=seconds)

    def name_rate_limit_policies(self, enabled: bool) -> None:
        """False: 429 bodies without ``policyName``, the other shape HubSpot sends."""
        with self._lock:
            self._quota.named_policies = enabled

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], datetime] = utc_now
    ) -> HubSpotFake:
        """A fake that accepts the ``access_token`` of a ``[crm]`` section.

        ``clock`` stamps records and ages the search index, as in the constructor.
        """
        return cls(str(section["access_token"]), clock=clock)

    def lift_limits(self) -> None:
        """Serve without rate limits, for the benchmark."""
        with self._lock:
            self._quota.lift()

    # seeding

    def set_up(
        self, fields: HubSpotFieldNames | None = None, rollup: RollupPropertyNames | None = None
    ) -> None:
        """What ``syncd crm setup`` does to a real portal, which starts without syncd's
        properties: the property group, the contact properties and the task key; idempotent.
        ``rollup``: also the company properties of ``[crm] company_rollup``."""
        with self._lock:
            provision.set_up(self._store, fields or HubSpotFieldNames(), rollup)

    def add_owner(
        self,
        email: str,
        first_name: str,
        last_name: str,
        teams: Sequence[str] = (),
        *,
        archived: bool = False,
    ) -> str:
        with self._lock:
            return self._store.add_owner(email, first_name, last_name, teams, archived=archived).id

    def define_property(self, object_type: str, name: str, *, unique: bool = False) -> None:
        """Create a custom string property, as an admin would (``unique``: hasUniqueValue)."""
        with self._lock:
            group = "contactinformation" if object_type == CONTACTS else "taskinformation"
            prop = PropertyDef(name, group=group, hubspot_defined=False, unique=unique)
            self._store.schema.define(object_type, prop)

    def add_contact(
        self, email: str | None, *, owner_id: str | None = None, **properties: str
    ) -> str:
        """A contact; ``email`` None for one the CRM knows only by another property."""
        with self._lock:
            raw = {**properties, **({"email": email.strip().lower()} if email else {})}
            if owner_id is not None:
                raw["hubspot_owner_id"] = owner_id
            clean, problems = check_properties(
                self._store.schema, CONTACTS, raw, lambda owner: owner in self._store.owners
            )
            if problems:
                raise ValueError("; ".join(p.message for p in problems))
            for name in sorted(self._store.schema.unique(CONTACTS).intersection(clean)):
                if self._store.unique.holder(CONTACTS, name, clean[name]) is not None:
                    raise ValueError(f"a contact with {name} {clean[name]!r} already exists")
            return self._store.create(CONTACTS, clean).id

    def ensure_property(self, object_type: str, definition: Mapping[str, Any]) -> None:
        """Define a custom property as ``POST /crm/v3/properties/{objectType}``, unless present."""
        with self._lock:
            kind = payload.object_type(object_type)
            if self._store.schema.find(kind, str(definition.get("name"))) is None:
                self._store.schema.define(kind, new_property(self._store, kind, dict(definition)))

    # inspection

    def contacts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"id": c.id, "properties": dict(c.properties)}
                for c in self._store.records(CONTACTS)
            ]

    def contact_by_email(self, email: str) -> dict[str, Any] | None:
        return self.contact_by("email", email)

    def contact_by(self, name: str, value: str) -> dict[str, Any] | None:
        """The contact whose unique-value property ``name`` holds ``value``."""
        with self._lock:
            contact = self._store.find_unique(CONTACTS, name, value)
            return (
                None
                if contact is None
                else {"id": contact.id, "properties": dict(contact.properties)}
            )

    def tasks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._task_json(task) for task in self._store.records(TASKS)]

    def _task_json(self, task: Record) -> dict[str, Any]:
        return {
            "id": task.id,
            "properties": dict(task.properties),
            "contact_ids": self._store.contacts_of(task.id),
        }

    def tasks_for_contact(self, contact_id: str) -> list[dict[str, Any]]:
        with self._lock:
            found = (
                self._store.get(TASKS, task_id) for task_id in self._store.tasks_of(contact_id)
            )
            return [self._task_json(task) for task in found if task is not None]

    def owners(self) -> list[dict[str, Any]]:
        with self._lock:
            return [owner.to_json() for owner in self._store.owners.values()]
