"""What the sandbox world asks of a connector's fake, in the core's own words.

Each connector ships its fake beside its code (``connectors/<role>/<kind>/fake``) and names it in
``connectors.registry``; the demo, the seeded world and the tests build fakes through the registry,
so nothing here names a vendor. A fake is a ``LoopbackServer`` app (``Handler``) plus the seeding
and inspection hooks below; vendor-specific fault injection stays on the concrete class.

Time: a fake stamps every record it creates or changes (created, updated, last-modified,
completion dates; its search index's lag) with the ``clock`` its class's ``for_settings`` is
given, never with the wall clock, so that ``syncd demo`` can run a simulated week in which the
daemon and the fakes agree on the time. Rate limits and injected delays stay on real time, and
``lift_limits`` turns the limits off for a run whose clock is simulated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from syncd.sandbox.http import Request, Response

#: What a fake reads the time from: returns a timezone-aware UTC ``datetime``.
Clock = Callable[[], datetime]


class FakeFactory(Protocol):
    """A fake's class, as ``connectors.registry.build_fake`` uses it."""

    def for_settings(self, section: Mapping[str, object], *, clock: Clock) -> object:
        """A fake accepting the credentials of a config ``section``, stamping time by ``clock``."""
        ...


class SourceFake(Protocol):
    """A survey tool's API: answers are added and later changed, and listed over HTTP."""

    #: The vendor's name, for the demo's output ("a Delighted-compatible survey API").
    vendor: str

    def __call__(self, request: Request) -> Response: ...

    def lift_limits(self) -> None:
        """Serve without the vendor's rate limits (a simulated week compresses time)."""
        ...

    def add_response(
        self,
        *,
        email: str | None,
        score: object,
        comment: str | None = None,
        created_at: datetime | None = None,
        name: str | None = None,
        person_properties: Mapping[str, str] | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> str:
        """Store an answer, return its id; ``overrides`` replace keys of the vendor's JSON."""
        ...

    def update_response(
        self, response_id: str, *, comment: str | None = None, at: datetime | None = None
    ) -> None:
        """Change an answer as the vendor does when a comment arrives after the score."""
        ...


class CrmFake(Protocol):
    """A CRM's API: owners, contacts and the tasks syncd creates, worked by simulated users."""

    #: The vendor's name, for the demo's output.
    vendor: str
    #: How long a change takes to show in the vendor's search (0: at once).
    search_lag_seconds: float

    def __call__(self, request: Request) -> Response: ...

    def lift_limits(self) -> None:
        """Serve without the vendor's rate limits (a simulated week compresses time)."""
        ...

    def set_up(self) -> None:
        """What ``syncd crm setup`` does to a fresh account; idempotent."""
        ...

    def define_property(self, object_type: str, name: str, *, unique: bool = False) -> None:
        """A custom text property on ``object_type`` ("contacts"), unique-valued if asked."""
        ...

    def add_owner(
        self, email: str, first_name: str, last_name: str, teams: Sequence[str] = ()
    ) -> str:
        """A CRM user who can own contacts and tasks; returns its id."""
        ...

    def add_contact(self, email: str | None, *, owner_id: str | None = None, **props: str) -> str:
        """A contact with the given properties; returns its id."""
        ...

    def owners(self) -> list[dict[str, Any]]:
        """Every owner as the vendor shows it; each has an ``id``."""
        ...

    def tasks(self) -> list[dict[str, Any]]:
        """Every task; each has ``id``, ``properties`` and ``contact_ids``."""
        ...

    def complete_task(self, task_id: str) -> None:
        """A user closes the task."""
        ...

    def start_task(self, task_id: str) -> None:
        """A user starts work on the task."""
        ...

    def reassign_task(self, task_id: str, owner_id: str) -> None:
        """A user hands the task to a colleague."""
        ...

    def reopen_task(self, task_id: str) -> None:
        """A user sets a completed task back to not started: the customer was not satisfied."""
        ...


@runtime_checkable
class CompanyFake(Protocol):
    """A CRM fake that also holds companies (accounts) and each contact's primary company.

    Optional: the world seeds companies only into fakes that have them, for the CRM's roll-up."""

    def add_company(self, name: str, *, owner_id: str | None = None) -> str:
        """A company, owned by ``owner_id`` when given; returns its id."""
        ...

    def set_primary_company(self, contact_id: str, company_id: str) -> None:
        """Make the company the contact's primary one."""
        ...
