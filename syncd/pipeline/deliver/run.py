"""The deliver loop: refresh owners, then claim and hand batches to the handlers until idle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import structlog

from syncd.errors import SyncdError
from syncd.pipeline.deliver.contacts import deliver_contacts
from syncd.pipeline.deliver.context import DeliverContext, DeliverResult
from syncd.pipeline.deliver.tasks import deliver_creates, deliver_updates
from syncd.store import outbox
from syncd.store import owners as owner_store
from syncd.store.outbox import Action, ActionKind

__all__ = ["DeliverResult", "Deliverer"]

log = structlog.get_logger(__name__)

Handler = Callable[[DeliverContext, Sequence[Action]], None]

#: Contacts first: a task needs its contact's id and owner, which the contact sync records.
HANDLERS: tuple[tuple[ActionKind, Handler], ...] = (
    (ActionKind.SYNC_CONTACT, deliver_contacts),
    (ActionKind.CREATE_TASK, deliver_creates),
    (ActionKind.UPDATE_TASK, deliver_updates),
)


class Deliverer:
    """Runs the deliver stage for one CRM."""

    def __init__(self, ctx: DeliverContext) -> None:
        self.ctx = ctx

    def run(self, stop: threading.Event | None = None) -> DeliverResult:
        self._refresh_owners()
        while not (stop is not None and stop.is_set()) and self._round():
            pass
        return self.ctx.result

    def _round(self) -> bool:
        """One batch of each kind; False when nothing was due."""
        progressed = False
        for kind, handler in HANDLERS:
            actions = self._claim(kind)
            if actions:
                progressed = True
                self.ctx.result.by_kind[kind.value] = self.ctx.result.by_kind.get(
                    kind.value, 0
                ) + len(actions)
                handler(self.ctx, actions)
        return progressed

    def _claim(self, kind: ActionKind) -> Sequence[Action]:
        ctx = self.ctx
        limit = min(ctx.delivery.batch_size, ctx.crm.batch_limit)
        with ctx.engine.begin() as conn:
            return outbox.claim(
                conn,
                ctx.crm.name,
                kind,
                ctx.holder,
                limit,
                ctx.now_ms(),
                int(ctx.delivery.lease_seconds * 1000),
            )

    def _refresh_owners(self) -> None:
        ctx = self.ctx
        try:
            listed = ctx.crm.list_owners()
        except SyncdError as error:
            log.warning(
                "cannot list CRM owners; routing uses the last known list", error=str(error)
            )
            return
        with ctx.engine.begin() as conn:
            owner_store.replace(conn, ctx.crm.name, listed, ctx.now_ms())
