"""The domain model: frozen value objects that travel between the pipeline stages.

Vendor JSON never reaches this module; connectors translate at their edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class NpsCategory(StrEnum):
    """The three NPS bands of a 0-10 answer."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"

    @classmethod
    def from_score(cls, score: int) -> NpsCategory:
        """The band of a 0-10 score; anything else is a ``ValueError``."""
        if not 0 <= score <= 10:
            raise ValueError(f"NPS score must be 0-10, got {score}")
        if score >= 9:
            return cls.PROMOTER
        if score >= 7:
            return cls.PASSIVE
        return cls.DETRACTOR


def net_promoter_score(scores: Sequence[int]) -> int | None:
    """Promoters (9-10) minus detractors (0-6), in percent of ``scores``, rounded; None for none.

    The roll-ups of both CRMs compute it from the scores their contacts hold.
    """
    if not scores:
        return None
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return round(100 * (promoters - detractors) / len(scores))


class Priority(StrEnum):
    """Task priority; each CRM maps it to its own values."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class TaskState(StrEnum):
    """A CRM task's state as syncd understands it, whatever the vendor calls it."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class ResponseKey:
    """Identity of a response across versions: the source instance and its response id."""

    source: str
    response_id: str

    def __str__(self) -> str:
        return f"{self.source}:{self.response_id}"


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One NPS answer, normalised at the connector edge.

    ``version`` grows whenever the response changes at the source (a comment added later, a
    changed score); syncd keeps the highest version it has seen and treats a higher one as an
    update of the same response, never as a new one.
    """

    source: str
    response_id: str
    version: int
    score: int
    submitted_at: datetime
    updated_at: datetime
    email: str | None = None
    #: The CRM's (or the company's) id for the respondent, as the source carries it.
    external_id: str | None = None
    #: The source's own id for the respondent (Delighted's person id), kept so a CRM property
    #: holding it can match the contact when there is no email.
    person_id: str | None = None
    comment: str | None = None
    survey: str | None = None
    link: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> ResponseKey:
        """The identity shared by every version of this response."""
        return ResponseKey(self.source, self.response_id)

    @property
    def respondent(self) -> Respondent:
        """The identifiers that may find the respondent's contact."""
        return Respondent(self.email, self.external_id, self.person_id)

    @property
    def category(self) -> NpsCategory:
        """The NPS band of the score."""
        return NpsCategory.from_score(self.score)


class RespondentId(StrEnum):
    """The identifiers a respondent may carry, any of which can match their CRM contact."""

    EMAIL = "email"
    #: The company's (or the CRM's) id for the respondent, as the source carries it.
    EXTERNAL_ID = "external_id"
    #: The survey tool's own id for the respondent.
    PERSON_ID = "person_id"


@dataclass(frozen=True, slots=True)
class Respondent:
    """Who answered, as far as a CRM can tell: an email and/or ids, any of them may be absent."""

    email: str | None = None
    external_id: str | None = None
    person_id: str | None = None

    def get(self, identifier: RespondentId) -> str | None:
        """The identifier's value, normalised for matching (emails lower-cased); None if blank."""
        value = (getattr(self, identifier.value) or "").strip()
        if identifier is RespondentId.EMAIL:
            value = value.lower()
        return value or None


@dataclass(frozen=True, slots=True)
class ContactField:
    """A contact field whose value identifies one contact.

    ``property`` None is the contact's email, wherever the CRM keeps it; otherwise it names a
    CRM property that holds a unique value per contact (a customer id, say).
    """

    property: str | None = None

    def __str__(self) -> str:
        return "email" if self.property is None else f"property {self.property!r}"


#: Contacts found by their email.
EMAIL = ContactField()


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item a source returned that cannot become a ``SurveyResponse``; it goes to quarantine."""

    source: str
    response_id: str | None
    reason: str
    payload: str


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page of a source listing: what parsed, and what did not."""

    responses: Sequence[SurveyResponse]
    rejected: Sequence[Rejected] = ()
    #: Items deliberately not taken (another survey type): counted, so nothing vanishes unseen.
    skipped: int = 0
    #: Every response changed up to this time has been yielded by now (this page included), so
    #: the cursor may move here once the page is stored; the window's ``until`` once it is
    #: complete. None when the source cannot tell (then only a finished window moves the cursor).
    through: datetime | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A CRM contact as routing needs it; a contact found by another field may have no email."""

    id: str
    email: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewContact:
    """A contact to create for a respondent the CRM does not have; ``key`` names the outcome.

    Creating is idempotent on ``email``: a contact that exists by then is returned, not doubled.
    """

    key: str
    email: str


@dataclass(frozen=True, slots=True)
class Owner:
    """A CRM user who can own tasks, with the teams they belong to."""

    id: str
    email: str
    name: str
    teams: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True, slots=True)
class NpsFields:
    """The NPS facts written onto a contact; each CRM maps them to its own field names."""

    score: int
    category: NpsCategory
    responded_at: datetime
    comment: str | None = None
    link: str | None = None
    survey: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class ContactUpdate:
    """Write onto contact ``contact_id``; ``key`` identifies the outbox action.

    ``fields`` None leaves the NPS fields as they are (a loop-closed mark). ``loop_closed_at``
    is written wherever the CRM has a loop-closed field (``Crm.writes_loop_closed``): when the
    follow-up of the contact's latest answer was completed; None clears the field (that loop is
    open, or the answer has no follow-up).
    """

    key: str
    contact_id: str
    fields: NpsFields | None
    loop_closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResponseNote:
    """A note on the contact's timeline recording one answer, so later answers never erase it.

    ``key`` names one version of one response: ``Crm.add_notes`` makes one note per key.
    """

    key: str
    contact_id: str
    body: str
    #: Where the note sits on the timeline: when the answer was given.
    at: datetime


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A follow-up task to create on a contact.

    ``key`` is the outbox action's idempotency key: ``Crm.create_tasks`` makes one task per key.
    """

    key: str
    contact_id: str
    owner_id: str | None
    subject: str
    body: str
    priority: Priority
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """New content for task ``task_id``, which syncd created earlier; None leaves a field as is.

    ``key`` is the update action's own key: ``Crm.update_tasks`` reports each outcome under it.
    ``owner_id`` reassigns the task (an escalation); content updates leave the owner alone.
    """

    key: str
    task_id: str
    subject: str | None
    body: str | None
    priority: Priority | None
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class TaskChange:
    """What the CRM says about a task now; the track stage turns it into loop timestamps."""

    task_id: str
    state: TaskState
    modified_at: datetime
    owner_id: str | None = None
    completed_at: datetime | None = None
    #: The value of the configured outcome field, blank as None.
    outcome: str | None = None
    #: The task's description, read only when no outcome field is configured: a completion
    #: that changed it carries a note.
    body: str | None = None


@dataclass(frozen=True, slots=True)
class TaskChangePage:
    """A page of task changes and the modification time everything before it is complete to."""

    changes: Sequence[TaskChange]
    watermark: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One dependency ``syncd check`` verified: what, whether it works, and what to do if not."""

    name: str
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"{mark} {self.name}" + (f": {self.detail}" if self.detail else "")


class SetupState(StrEnum):
    """Where one thing a CRM needs stands after ``Crm.setup``."""

    EXISTS = "exists"
    CREATED = "created"
    WOULD_CREATE = "would create"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SetupStep:
    """One thing ``syncd crm setup`` looked at (a field, a group): its state, and why.

    ``required``: syncd writes it, so the daemon refuses to start while it is missing; other
    steps (a grouping, a field kept for reports) only tidy the CRM up.
    """

    what: str
    state: SetupState
    detail: str = ""
    required: bool = True

    @property
    def missing(self) -> bool:
        """True while the thing does not exist in the CRM (not yet created, or creation failed)."""
        return self.state in (SetupState.WOULD_CREATE, SetupState.FAILED)

    def __str__(self) -> str:
        return f"{self.state.value:<12} {self.what}" + (f": {self.detail}" if self.detail else "")
