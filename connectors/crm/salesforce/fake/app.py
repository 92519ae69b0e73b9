"""``SalesforceFake``: the HTTP app (OAuth, sessions, allowance, faults) and its test-facing API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.crm.salesforce.fake.auth import Credentials, Sessions
from connectors.crm.salesforce.fake.collections import Writer
from connectors.crm.salesforce.fake.errors import (
    SalesforceError,
    invalid_session,
    request_limit,
)
from connectors.crm.salesforce.fake.faults import CHAOS_KINDS, Allowance, Fault, Faults
from connectors.crm.salesforce.fake.org import Org, Record
from connectors.crm.salesforce.fake.routes import Api
from connectors.crm.salesforce.fake.schema import FieldDef
from connectors.crm.salesforce.fake.seeding import Seeding
from connectors.crm.salesforce.fake.timefmt import utc_now
from syncd.sandbox.http import Request, Response

#: A Developer Edition org's daily allowance is 15,000; the sandbox is more generous.
DEFAULT_DAILY_LIMIT = 100_000


class SalesforceFake(Seeding):
    """A stateful fake Salesforce org, to serve with ``LoopbackServer(fake)``.

    Every request is served under one lock (so the threaded server is safe); held requests
    (slow commits) wait outside it.
    """

    vendor = "Salesforce"
    #: SOQL reads its own writes at once: there is no search index to wait for.
    search_lag_seconds = 0.0

    def __init__(
        self,
        credentials: Credentials | None = None,
        *,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        clock: Callable[[], Any] = utc_now,
    ) -> None:
        self._lock = threading.RLock()
        self._org = Org(clock)
        self.sessions = Sessions(credentials or Credentials())
        self._writer = Writer(self._org)
        self._allowance = Allowance(daily_limit)
        self._api = Api(self._org, self._writer, self._allowance)
        self._faults = Faults()
        self.requests: list[tuple[str, str]] = []

    @classmethod
    def for_settings(
        cls, section: Mapping[str, object], *, clock: Callable[[], Any] = utc_now
    ) -> SalesforceFake:
        """A fake org that accepts the credentials of a ``[crm]`` section.

        ``clock`` stamps CreatedDate, LastModifiedDate and completion dates.
        """
        known = Credentials()
        return cls(
            Credentials(
                consumer_key=str(section.get("consumer_key") or known.consumer_key),
                consumer_secret=str(section.get("consumer_secret") or known.consumer_secret),
                username=str(section.get("username") or known.username),
                password=str(section.get("password") or known.password),
                security_token=str(section.get("security_token") or ""),
            ),
            clock=clock,
        )

    # the HTTP app

    def __call__(self, request: Request) -> Response:
        with self._lock:
            fault, hold = self._faults.take(request.path)
        if hold:
            time.sleep(hold)  # outside the lock: the client's retry goes ahead meanwhile
        with self._lock:
            self.requests.append((request.method, request.path))
            if request.path.rstrip("/") == "/services/oauth2/token":
                host = request.headers.get("host", "127.0.0.1")
                status, body = self.sessions.token(
                    request.body, dict(request.headers), f"http://{host}"
                )
                return Response(status, body)
            try:
                return self._serve(request, fault)
            except SalesforceError as error:
                headers = {**error.headers, **self._allowance.header()}
                return Response(error.status, error.body, headers)

    def _serve(self, request: Request, fault: Fault | None) -> Response:
        if not self.sessions.valid(request.headers.get("authorization", "")):
            raise invalid_session()
        if fault is not None and not fault.after_processing:
            return fault.response()
        if not self._allowance.spend():
            raise request_limit()
        try:
            status, body = self._api.serve(request)
        except SalesforceError:
            raise
        except ValueError as error:  # a body that is not JSON
            raise SalesforceError(400, "JSON_PARSER_ERROR", str(error)[:200]) from None
        if fault is not None:
            return fault.response()  # the work is done, the client learns nothing of it
        return Response(status, body, self._allowance.header())

    def lift_limits(self) -> None:
        """Practically no daily API allowance (a simulated week compresses time)."""
        with self._lock:
            self._allowance.limit = 10**9

    # fault controls

    def inject(
        self,
        path_contains: str,
        status: int,
        *,
        times: int = 1,
        after_processing: bool = False,
        retry_after: float | None = None,
        drop: bool = False,
        body: object = None,
    ) -> None:
        """Fail the next ``times`` requests whose path contains ``path_contains``.

        ``body``: answer it (with ``status``) instead of Salesforce's error array.
        """
        with self._lock:
            self._faults.arm(
                Fault(path_contains, status, times, after_processing, retry_after, drop, body)
            )

    def chaos(
        self,
        probability: float,
        *,
        kinds: tuple[str, ...] = CHAOS_KINDS,
        slow_seconds: float = 2.0,
        seed: int = 0,
        paths: tuple[str, ...] = ("/services/data/",),
    ) -> None:
        """Fail a share of API requests: 5xx, resets before or after the work, slow commits."""
        with self._lock:
            self._faults.chaos(
                probability, kinds=kinds, slow_seconds=slow_seconds, seed=seed, paths=paths
            )

    def expire_sessions(self) -> None:
        """End every session: the next call gets 401 ``INVALID_SESSION_ID``."""
        with self._lock:
            self.sessions.expire_all()

    def set_allowance(self, limit: int, used: int = 0) -> None:
        """The org's daily API allowance and how much of it is spent."""
        with self._lock:
            self._allowance.limit, self._allowance.used = limit, used

    @property
    def api_usage(self) -> tuple[int, int]:
        """(used, limit) of the daily allowance."""
        with self._lock:
            return self._allowance.used, self._allowance.limit

    def allow_tooling(self, allowed: bool) -> None:
        """False: the integration user lacks "Customize Application" (Tooling creates get 403)."""
        with self._lock:
            self._api.tooling_allowed = allowed

    def duplicate_rule(self, active: bool) -> None:
        """Whether the standard Contact duplicate rule (same email) blocks saves."""
        with self._lock:
            self._writer.duplicate_rule = active

    def drop_field(self, sobject: str, name: str) -> None:
        """An admin deletes a field."""
        with self._lock:
            self._org.schema.drop(sobject, name)

    def define_field(self, sobject: str, definition: FieldDef) -> None:
        """An admin creates a field."""
        with self._lock:
            self._org.schema.define(sobject, definition)
            self._org.reindex_field(sobject, definition.name)

    def delete_record(self, record_id: str) -> None:
        """A user deletes a record (it goes to the recycle bin)."""
        with self._lock:
            self._org.delete(record_id)

    def records(self, sobject: str) -> list[Record]:
        """Every live record of ``sobject`` (copies)."""
        with self._lock:
            return [dict(r) for r in self._org.of(sobject)]

    def deactivate_user(self, user_id: str) -> None:
        """A user leaves: inactive users cannot own records (``INACTIVE_OWNER_OR_USER``)."""
        with self._lock:
            user = self._org.get(user_id)
            if user is not None:
                self._org.change(user, {"IsActive": False})

    def add_contacts(self, emails: Sequence[str]) -> list[str]:
        """Many contacts at once (benchmarks)."""
        return [self.add_contact(email) for email in emails]
