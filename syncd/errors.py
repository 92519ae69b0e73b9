"""Errors, arranged by what the caller should do about them.

Every concrete error is one domain branch (where it came from) crossed with one disposition
(what to do)::

    SyncdError
    ├── dispositions (mixins)
    │   ├── Transient   retry later, with backoff; ``retry_after`` when the vendor said so
    │   │   └── Blocking  the account is wrong, not the item: stop the stage, keep all work
    │   ├── Terminal    will never succeed as sent: dead-letter it for an admin
    │   └── Skippable   bad input: quarantine it with a reason and keep going
    └── domains
        ├── ConfigError             bad configuration: startup stops, every problem listed
        ├── SourceError             SourceUnavailable (T) · SourceAuthError (T) · SourceRejected (X)
        ├── CrmError                CrmRateLimited (T) · CrmUnavailable (T) · CrmAuthError (B)
        │                           CrmSetupError (B) · CrmOutcomeUnknown (T)
        │                           CrmRejected (X) · ContactNotFound (S)
        └── InputError              MalformedResponse (S)

Auth and setup errors block on purpose: a revoked token, a missing scope or a misspelled property
is fixed by an admin, and the work must wait for that fix rather than be dead-lettered. Every item
of a batch would fail the same way, so the stage stops at the first one and says so once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SyncdError(Exception):
    """Base of every error syncd raises on purpose."""


class Transient(SyncdError):
    """Retry later. ``retry_after`` is the delay the remote side asked for, in seconds."""

    retry_after: float | None = None


class Blocking(Transient):
    """The account or its setup is wrong, not the item: nothing can succeed until an admin acts.

    The stage that meets one stops, leaves every claimed item pending without counting an
    attempt, and reports this error once per pass.
    """

    retry_after: float | None = 300.0


class Terminal(SyncdError):
    """Retrying cannot help; dead-letter the work item."""


class Skippable(SyncdError):
    """Bad input: quarantine the item with this error's message as the reason."""

    reason_code: str = "invalid"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One configuration problem and where it is (``sources.delighted.api_key``)."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigError(SyncdError):
    """The configuration is unusable; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"configuration has {len(self.problems)} problem(s):\n{lines}")


class SourceError(SyncdError):
    """A survey source failed."""


class CrmError(SyncdError):
    """A CRM call failed."""


class InputError(SyncdError):
    """A response's content is unusable."""


def _with_retry_after(error: Transient, retry_after: float | None) -> None:
    error.retry_after = retry_after


class SourceUnavailable(SourceError, Transient):
    """The source timed out, returned 5xx or rate-limited us."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        _with_retry_after(self, retry_after)


class SourceAuthError(SourceError, Transient):
    """The source refused our credentials (401/403)."""

    retry_after = 300.0


class SourceRejected(SourceError, Terminal):
    """The source rejected our request as malformed (4xx other than auth and rate limits)."""


class MalformedResponse(InputError, Skippable):
    """A response that cannot be normalised (bad score, no respondent, broken JSON)."""

    reason_code = "malformed"


class CrmRateLimited(CrmError, Transient):
    """The CRM said 429 (or 423 locked); the request was not processed."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        _with_retry_after(self, retry_after)


class CrmUnavailable(CrmError, Transient):
    """The CRM failed before processing the request (connection refused, 502/503)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        _with_retry_after(self, retry_after)


class CrmOutcomeUnknown(CrmError, Transient):
    """The request may or may not have taken effect (timeout, 500, dropped connection).

    Retrying is safe because every write syncd makes is idempotent, creates included
    (``Crm.create_tasks`` promises one task per key).
    """


class CrmAuthError(CrmError, Blocking):
    """The CRM refused our credentials or scopes; wait for an admin to fix them."""


class CrmSetupError(CrmError, Blocking):
    """The CRM lacks what the configuration names (a property); wait for an admin to fix it."""


class CrmRejected(CrmError, Terminal):
    """The CRM rejected the request as invalid (400/404/409/422)."""


class ContactNotFound(CrmError, Skippable):
    """The respondent has no contact in the CRM."""

    reason_code = "unknown_contact"
