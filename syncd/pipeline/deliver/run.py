"""The deliver loop: refresh owners, then claim and hand batches to the handlers until idle.

Two conditions stop parts of the stage instead of letting every action fail on its own:

- an account-wide error (``Blocking``: bad token, missing scope, unknown property) stops the
  whole stage at once; the claimed actions stay pending with no attempt spent, and the error is
  raised once for the pass, so ``run --once`` fails and the daemon tries again next interval;
- no owner list (the CRM's owners could not be read and none was ever stored) holds task
  creates back, because a task created without its owner stays unowned for good.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import structlog
from sqlalchemy import Connection

from syncd.errors import Blocking, SyncdError, Transient
from syncd.pipeline.deliver.contacts import deliver_contacts
from syncd.pipeline.deliver.context import DeliverContext, DeliverResult
from syncd.pipeline.deliver.marks import deliver_marks
from syncd.pipeline.deliver.tasks import deliver_creates, deliver_updates
from syncd.routing import fallback_missing, unknown_members, unknown_teams
from syncd.store import outbox, readiness
from syncd.store import owners as owner_store
from syncd.store.outbox import Action, ActionKind

__all__ = ["CONTACT_LANE", "TASK_LANE", "DeliverResult", "Deliverer", "owners_missing"]

log = structlog.get_logger(__name__)

Handler = Callable[[DeliverContext, Sequence[Action]], None]

#: Contacts first: a task needs its contact's id and owner, which the contact sync records.
HANDLERS: tuple[tuple[ActionKind, Handler], ...] = (
    (ActionKind.SYNC_CONTACT, deliver_contacts),
    (ActionKind.CREATE_TASK, deliver_creates),
    (ActionKind.UPDATE_TASK, deliver_updates),
    # After contact syncs: a newer answer's sync, delivered first, supersedes an older mark.
    (ActionKind.MARK_LOOP, deliver_marks),
)

#: The daemon delivers these two groups on two threads at once (see ``syncd.runtime.daemon``).
#: No action of one group waits for the other's except task creates for their contact syncs, so
#: the groups never claim the same rows, and a contact is written by one thread only, in order.
CONTACT_LANE = frozenset({ActionKind.SYNC_CONTACT, ActionKind.MARK_LOOP})
#: Task updates wait for their creates: one group, delivered in that order.
TASK_LANE = frozenset({ActionKind.CREATE_TASK, ActionKind.UPDATE_TASK})
#: Kinds whose delivery routes to owners and so needs the CRM's owner list.
_NEEDS_OWNERS = TASK_LANE
ALL_KINDS = frozenset(kind for kind, _ in HANDLERS)


class Deliverer:
    """Runs the deliver stage for one CRM: every kind of action, or only ``kinds``."""

    def __init__(self, ctx: DeliverContext, kinds: frozenset[ActionKind] | None = None) -> None:
        self.ctx = ctx
        self._handlers = tuple(
            (kind, handler) for kind, handler in HANDLERS if kind in (kinds or ALL_KINDS)
        )
        #: Raise ``owners_missing`` at the end of the run that finds the owner list missing. A
        #: lane (``kinds`` given) leaves that to its caller, who reports it once for all lanes
        #: (``ctx.state.owners_error``) and only when no block explains it better.
        self._report_owners = kinds is None
        #: This run found the owner list missing, so it reports it (once for the pass).
        self._found_owners_missing = False

    def run(self, stop: threading.Event | None = None) -> DeliverResult:
        """Deliver until idle; raise once if the account blocks delivery or owners are unknown."""
        ctx = self.ctx
        if not ctx.state.owners_checked and self._needs_owners():
            ctx.state.owners_checked = True  # once a pass: a lane runs again after every nudge
            self._refresh_owners()
        self._release_stranded()
        while not (stop is not None and stop.is_set()) and self._round():
            pass
        self._raise_if_held()
        return self.ctx.result

    def _release_stranded(self) -> None:
        """Once a pass: dependents that missed their release (see ``release_stranded``)."""
        ctx = self.ctx
        if not ctx.state.stranded_released:
            with ctx.engine.begin() as conn:
                readiness.release_stranded(conn, ctx.crm.name, ctx.now_ms())
            ctx.state.stranded_released = True

    def _round(self) -> bool:
        """One batch of each kind; False when nothing was due or delivery is blocked."""
        try:
            return self._batches()
        finally:
            if self.ctx.after_round is not None:
                self.ctx.after_round(self.ctx.result)

    def _batches(self) -> bool:
        progressed = False
        for kind, handler in self._handlers:
            if kind is ActionKind.CREATE_TASK and self.ctx.state.owners_error is not None:
                continue
            actions = self._claim(kind)
            if actions:
                progressed = True
                by_kind = self.ctx.result.by_kind
                by_kind[kind.value] = by_kind.get(kind.value, 0) + len(actions)
                # Every line about this batch names it: its kind, first outbox id and size.
                batch = f"{kind.value}-{actions[0].id}x{len(actions)}"
                with structlog.contextvars.bound_contextvars(batch=batch):
                    handler(self.ctx, actions)
            if self.ctx.blocked is not None:
                return False
        return progressed

    def _claim(self, kind: ActionKind) -> Sequence[Action]:
        ctx = self.ctx
        with ctx.engine.begin() as conn:
            if not self._worth_a_call(
                conn, kind, min(ctx.delivery.batch_size, ctx.crm.batch_limit)
            ):
                return []
            return outbox.claim(
                conn,
                ctx.crm.name,
                kind,
                ctx.holder,
                ctx.delivery.batch_size,
                ctx.now_ms(),
                int(ctx.delivery.lease_seconds * 1000),
            )

    def _worth_a_call(self, conn: Connection, kind: ActionKind, limit: int) -> bool:
        """A full CRM call (``limit``) is due, or the oldest due action has waited
        ``fill_wait_seconds``.

        A smaller batch costs the same call as a full one, so when waiting is allowed, the
        actions due now wait for the next passes to fill it.
        """
        ctx = self.ctx
        wait_ms = int(ctx.delivery.fill_wait_seconds * 1000)
        if wait_ms <= 0:
            return True
        now_ms, crm = ctx.now_ms(), ctx.crm.name
        if conn.execute(outbox.due_query(crm, kind, now_ms - wait_ms, 1)).first() is not None:
            return True
        return len(conn.execute(outbox.due_query(crm, kind, now_ms, limit)).all()) >= limit

    def _refresh_owners(self) -> None:
        ctx = self.ctx
        try:
            listed = ctx.crm.list_owners()
        except SyncdError as error:
            self._owners_unavailable(error)
            return
        with ctx.engine.begin() as conn:
            owner_store.replace(conn, ctx.crm.name, listed, ctx.now_ms())
        self._warn_about_routing()

    def _owners_unavailable(self, error: SyncdError) -> None:
        ctx = self.ctx
        with ctx.engine.connect() as conn:
            known = owner_store.load(conn, ctx.crm.name)
        if known:
            log.warning(
                "cannot list CRM owners; routing uses the last known list", error=str(error)
            )
            self._warn_about_routing()
        else:
            ctx.state.owners_error, self._found_owners_missing = error, True

    def _warn_about_routing(self) -> None:
        """Once per pass: rules whose tasks would all fall through to the fallback owner."""
        ctx = self.ctx
        with ctx.engine.connect() as conn:
            owners = owner_store.load(conn, ctx.crm.name)
        for problem in unknown_teams(ctx.routing.rules, owners):
            log.warning(str(problem), rule=problem.rule, team=problem.team)
        for members in unknown_members(ctx.routing.rules, owners):
            log.warning(str(members), rule=members.rule)
        if fallback_missing(ctx.routing.fallback_owner, owners):
            log.warning(
                "the fallback owner is not an active CRM owner; tasks no rule can assign stay "
                "unassigned: correct [routing] fallback_owner",
                fallback_owner=ctx.routing.fallback_owner,
            )

    def _raise_if_held(self) -> None:
        ctx = self.ctx
        result, blocked = ctx.result, ctx.blocked
        if blocked is not None:
            if not ctx.reports_block():
                return  # another lane met it and reports it
            raise Blocking(
                f"delivery to {self.ctx.crm.name} is blocked; every action stays pending "
                f"({result.held} handed back untouched this pass) until this is fixed: {blocked}"
            ) from blocked
        if self._found_owners_missing and self._report_owners:
            raise owners_missing(ctx)

    def _needs_owners(self) -> bool:
        return any(kind in _NEEDS_OWNERS for kind, _ in self._handlers)


def owners_missing(ctx: DeliverContext) -> Transient:
    """Why task creates wait this pass: no owner list could be read and none is stored."""
    return Transient(
        f"task creation in {ctx.crm.name} waits: its owner list cannot be read and none is "
        f"stored yet, and a task created now would stay unowned ({ctx.state.owners_error})"
    )
