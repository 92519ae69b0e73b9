"""What every deliver handler needs, and how per-action outcomes are recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

import structlog
from sqlalchemy import Connection, Engine

from syncd.clock import to_ms
from syncd.contact_match import BY_EMAIL, ContactMatch
from syncd.contracts import Crm
from syncd.errors import Blocking, CrmRateLimited, Skippable, SyncdError, Transient
from syncd.model import NpsCategory, ResponseKey
from syncd.pipeline.deliver.chunked import chunked
from syncd.retry import RetryPolicy
from syncd.routing_settings import RoutingSettings
from syncd.settings import DeliverySettings, Settings
from syncd.store import outbox, quarantine
from syncd.store.hold import hold
from syncd.store.outbox import Action, Status
from syncd.store.outbox_batch import complete_all, settle_all

log = structlog.get_logger(__name__)

#: Called inside the recording transaction with every action that succeeded and its result.
OnSuccess = Callable[[Connection, Sequence[tuple[Action, str]]], None]


@dataclass(slots=True)
class DeliverResult:
    """Counts of one deliver pass, reported in the pass summary."""

    contacts_updated: int = 0
    contacts_superseded: int = 0
    #: Contact writes not sent: the contact already holds exactly these fields.
    contacts_unchanged: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0
    #: Contacts whose loop-closed time a mark wrote (set, or cleared on a reopen).
    loops_marked: int = 0
    retried: int = 0
    dead: int = 0
    quarantined: int = 0
    #: Actions handed back untouched because the account is blocked (see ``Blocking``).
    held: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    #: The answers whose tasks were created and not yet taken by ``after_round``, for the
    #: time-to-task metrics.
    created: list[ResponseKey] = field(default_factory=list)

    def add(self, other: DeliverResult) -> None:
        """Count ``other``'s outcomes in this result too (the lanes of one pass, summed)."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for kind, count in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + count
        self.created.extend(other.created)


#: The plain counters of ``DeliverResult`` (annotations are strings here: postponed evaluation).
_COUNTS = tuple(item.name for item in fields(DeliverResult) if item.type == "int")


@dataclass(slots=True)
class PassState:
    """What the delivery lanes of one pass share, so each matter is settled once a pass."""

    #: The first account-wide error; delivery stops in every lane once it is set.
    blocked: Blocking | None = None
    #: The context that met it, and so reports it (once for the pass, not once per lane).
    blocked_in: object = None
    #: The owner list was refreshed (or found unavailable): once a pass is enough.
    owners_checked: bool = False
    #: Why task creates wait this pass: no owner list could be read and none is stored.
    owners_error: SyncdError | None = None
    #: Waiting actions whose dependency is done were released at the start of this pass.
    stranded_released: bool = False


@dataclass(slots=True)
class DeliverContext:
    """The store, CRM, settings and clock of one deliver pass, and its running result."""

    engine: Engine
    crm: Crm
    delivery: DeliverySettings
    routing: RoutingSettings
    policy: RetryPolicy
    holder: str
    clock: Callable[[], datetime]
    result: DeliverResult = field(default_factory=DeliverResult)
    #: How contacts are found, tried in order (``[crm] match_contacts_by``).
    match_by: tuple[ContactMatch, ...] = (BY_EMAIL,)
    #: Answers of these categories create the contact the CRM lacks (``[crm] unknown_contacts``).
    create_contacts_for: frozenset[NpsCategory] = frozenset()
    #: Put a note per answer on the contact's timeline (``[crm] history_notes``).
    history_notes: bool = False
    #: Shared by the delivery lanes of one pass (see ``PassState``).
    state: PassState = field(default_factory=PassState)
    #: Open loops per owner for ``least_open`` routing: read once per pass, then kept current.
    open_loops: dict[str, int] | None = None
    #: Handed the running result after each round of batches: the daemon's telemetry takes the
    #: created tasks from it, so nothing kept per task grows with the pass.
    after_round: Callable[[DeliverResult], None] | None = None

    def __post_init__(self) -> None:
        # A batch may be bigger than one CRM call: the handlers see a CRM that splits it.
        self.crm = chunked(self.crm, self.delivery.batch_size)

    def now_ms(self) -> int:
        """The pass clock's time in epoch milliseconds."""
        return to_ms(self.clock())

    @property
    def blocked(self) -> Blocking | None:
        """The first account-wide error of this pass; delivery stops once it is set."""
        return self.state.blocked

    def block(self, error: Blocking) -> None:
        """Stop delivery for the rest of the pass, in every lane that shares this pass."""
        if self.state.blocked is None:
            self.state.blocked, self.state.blocked_in = error, self

    def reports_block(self) -> bool:
        """This context met the block: its lane reports it (the others stop quietly)."""
        return self.state.blocked is not None and self.state.blocked_in is self


def pass_context(
    settings: Settings, engine: Engine, crm: Crm, holder: str, clock: Callable[[], datetime]
) -> DeliverContext:
    """The context of one daemon pass, from the configuration."""
    delivery = settings.delivery
    policy = RetryPolicy(
        delivery.max_attempts, delivery.backoff_base_seconds, delivery.backoff_max_seconds
    )
    return DeliverContext(
        engine,
        crm,
        delivery,
        settings.routing,
        policy,
        holder,
        clock,
        match_by=settings.crm.match_contacts_by,
        create_contacts_for=settings.crm.creates_contacts_for(),
        history_notes=settings.crm.history_notes,
    )


def record(
    ctx: DeliverContext,
    actions: Sequence[Action],
    outcomes: Mapping[str, str | SyncdError],
    on_success: OnSuccess,
) -> None:
    """Apply each action's outcome in one transaction; an action without one is retried.

    Successes are recorded together (a fixed number of statements per batch); failures, the
    exception, one by one.
    """
    now_ms = ctx.now_ms()
    succeeded: list[tuple[Action, str]] = []
    failed: list[tuple[Action, SyncdError]] = []
    with ctx.engine.begin() as conn:
        for action in actions:
            outcome = outcomes.get(action.key)
            if outcome is None:
                outcome = Transient(f"the CRM returned no result for {action.key}")
            if isinstance(outcome, str):
                succeeded.append((action, outcome))
            else:
                failed.append((action, outcome))
        dispose_all(ctx, conn, failed, now_ms)
        on_success(conn, succeeded)
        complete_all(conn, succeeded, now_ms)


def dispose_all(
    ctx: DeliverContext,
    conn: Connection,
    failed: Sequence[tuple[Action, SyncdError]],
    now_ms: int,
) -> None:
    """Hold blocked work, quarantine bad input, retry transient failures, dead-letter the rest.

    The actions that end (quarantined, dead) are recorded together in a fixed number of
    statements (``quarantine.add_all``, ``settle_all``): a batch of unknown contacts used to
    cost about seven statements an action.
    """
    ended: list[tuple[Action, Status, str]] = []
    held: list[quarantine.NewItem] = []
    for action, error in failed:
        if isinstance(error, Blocking):
            # One error for the whole pass (the stage reports it), not one warning per action.
            ctx.block(error)
            ctx.result.held += 1
            hold(conn, action, str(error), now_ms)
            continue
        log.warning("action failed", key=action.key, attempt=action.attempts, error=str(error))
        if isinstance(error, Skippable):
            ctx.result.quarantined += 1
            held.append(_quarantined(action, error))
            ended.append((action, Status.QUARANTINED, str(error)))
        elif isinstance(error, Transient) and _may_retry(ctx, action, error):
            ctx.result.retried += 1
            delay = ctx.policy.delay(action.attempts, error.retry_after)
            outbox.retry_later(conn, action, str(error), now_ms + int(delay * 1000), now_ms=now_ms)
        else:
            ctx.result.dead += 1
            ended.append((action, Status.DEAD, str(error)))
    quarantine.add_all(conn, held, now_ms)
    settle_all(conn, ended, now_ms)


def _quarantined(action: Action, error: Skippable) -> quarantine.NewItem:
    return quarantine.NewItem(
        source=action.source,
        response_id=action.response_id,
        stage="deliver",
        reason_code=error.reason_code,
        reason=str(error),
        payload=action.key,
    )


def _may_retry(ctx: DeliverContext, action: Action, error: Transient) -> bool:
    # Throttling is about the account, not this item: never give up on it.
    return isinstance(error, CrmRateLimited) or not ctx.policy.exhausted(action.attempts)


def fail_all(ctx: DeliverContext, actions: Sequence[Action], error: SyncdError) -> None:
    """Dispose of every action with the same error, as when a whole batch call failed."""
    now_ms = ctx.now_ms()
    with ctx.engine.begin() as conn:
        dispose_all(ctx, conn, [(action, error) for action in actions], now_ms)
