"""Deliver ``create_task`` and ``update_task``.

``Crm.create_tasks`` is idempotent on the action's key, so a create whose outcome is unknown
(a timeout, a crash, a lost store) is sent again like any transient failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import structlog
from sqlalchemy import Connection

from syncd.actions import TaskCreate, TaskEdit, body_as
from syncd.errors import CrmRejected, SyncdError
from syncd.model import ResponseKey, TaskSpec, TaskUpdate
from syncd.pipeline.deliver.context import DeliverContext, OnSuccess, fail_all, record
from syncd.pipeline.deliver.owners import OwnerLoad, company_owners_of
from syncd.routing import OwnerChoice, OwnerFacts, choose_owner
from syncd.store import keyed, loop_links, loops, outbox
from syncd.store import owners as owner_store
from syncd.store.loop_links import TaskLink
from syncd.store.outbox import Action, ActionKind, key_for

log = structlog.get_logger(__name__)


def deliver_creates(ctx: DeliverContext, actions: Sequence[Action]) -> None:
    """Create each action's task on its contact for the owner routing picks; record outcomes."""
    try:
        specs, choices, outcomes = _specs(ctx, actions)
    except SyncdError as error:
        fail_all(ctx, actions, error)
        return
    sent = [a for a in actions if a.key in specs]
    try:
        outcomes.update(ctx.crm.create_tasks(list(specs.values())) if specs else {})
    except SyncdError as error:
        fail_all(ctx, sent, error)
        actions = [a for a in actions if a not in sent]
    record(ctx, actions, outcomes, _on_created(ctx, choices))


def _specs(
    ctx: DeliverContext, actions: Sequence[Action]
) -> tuple[dict[str, TaskSpec], dict[str, OwnerChoice], dict[str, str | SyncdError]]:
    specs: dict[str, TaskSpec] = {}
    choices: dict[str, OwnerChoice] = {}
    outcomes: dict[str, str | SyncdError] = {}
    with ctx.engine.connect() as conn:
        linked = loop_links.contacts_of(conn, {_response(action) for action in actions})
    contacts = {a.key: linked.get(_response(a), (None, None)) for a in actions}
    # Asked outside any transaction: no store lock is held across a CRM call.
    companies = company_owners_of(ctx, actions, contacts)
    with ctx.engine.begin() as conn:
        load = OwnerLoad(
            owner_store.load(conn, ctx.crm.name),
            _open_loops(ctx, conn),
            keyed.rotation(conn, ctx.crm.name),
        )
        for action in actions:
            contact_id, contact_owner = contacts[action.key]
            if contact_id is None:
                outcomes[action.key] = CrmRejected("the contact of this response is not known")
                continue
            facts = _facts(ctx, action, contact_owner, companies.get(contact_id), load)
            choice = _choose(ctx, action, facts, load)
            if choice.pool is not None and choice.owner_id is not None:
                # Stored before the create is sent: a retry moves the rotation on, never back.
                keyed.set_rotation(conn, ctx.crm.name, choice.pool, choice.owner_id, ctx.now_ms())
            choices[action.key] = choice
            specs[action.key] = _spec(action, contact_id, choice.owner_id)
    return specs, choices, outcomes


def _open_loops(ctx: DeliverContext, conn: Connection) -> dict[str, int]:
    """Open loops per owner, counted once per pass and kept current as tasks are assigned.

    Counting per batch costs a scan of every open loop each time; within one pass only this
    stage assigns tasks, so the running count stays exact.
    """
    if ctx.open_loops is None:
        ctx.open_loops = dict(loops.open_counts(conn, ctx.crm.name))
    return ctx.open_loops


def _facts(
    ctx: DeliverContext,
    action: Action,
    contact_owner: str | None,
    company_owner: str | None,
    load: OwnerLoad,
) -> OwnerFacts:
    task = body_as(action.payload, TaskCreate)
    # Members are read from the live configuration: the rule's name travels in the action.
    rule = next((r for r in ctx.routing.rules if r.name == task.rule), None)
    return OwnerFacts(
        team=task.team,
        members=rule.members if rule is not None else (),
        contact_owner_id=contact_owner,
        company_owner_id=company_owner,
        open_loops=load.open_loops,
        rotation=load.rotation,
    )


def _choose(ctx: DeliverContext, action: Action, facts: OwnerFacts, load: OwnerLoad) -> OwnerChoice:
    task = body_as(action.payload, TaskCreate)
    choice = choose_owner(task.owner_chain, load.owners, facts, ctx.routing.fallback_owner)
    if choice.owner_id is not None:
        # Count it now so the rest of this batch is balanced too.
        load.open_loops[choice.owner_id] = load.open_loops.get(choice.owner_id, 0) + 1
        if choice.pool is not None:
            load.rotation[choice.pool] = choice.owner_id
    else:
        log.warning("no owner found; task left unassigned", key=action.key, team=task.team)
    return choice


def _spec(action: Action, contact_id: str, owner_id: str | None) -> TaskSpec:
    task = body_as(action.payload, TaskCreate)
    return TaskSpec(
        key=action.key,
        contact_id=contact_id,
        owner_id=owner_id,
        subject=task.subject,
        body=task.body,
        priority=task.priority,
        due_at=task.due_at,
    )


def _on_created(ctx: DeliverContext, choices: Mapping[str, OwnerChoice]) -> OnSuccess:
    def link_tasks(conn: Connection, succeeded: Sequence[tuple[Action, str]]) -> None:
        links = [
            TaskLink(
                _response(action),
                task_id,
                choices[action.key].owner_id,
                choices[action.key].via,
            )
            for action, task_id in succeeded
        ]
        loop_links.set_tasks(conn, links, ctx.now_ms())
        ctx.result.tasks_created += len(succeeded)
        ctx.result.created.extend(_response(action) for action, _ in succeeded)

    return link_tasks


def deliver_updates(ctx: DeliverContext, actions: Sequence[Action]) -> None:
    """Send each update to the task its create recorded; outcomes come back by update key."""
    updates: list[TaskUpdate] = []
    with ctx.engine.connect() as conn:
        for action in actions:
            task_id = body_as(action.payload, TaskEdit).task_id or outbox.result_of(
                conn, _create_key(action)
            )
            if task_id is not None:
                updates.append(_update(action, task_id))
    try:
        outcomes = ctx.crm.update_tasks(updates) if updates else {}
    except SyncdError as error:
        fail_all(ctx, actions, error)
        return
    record(ctx, actions, outcomes, _on_updated(ctx))


def _create_key(action: Action) -> str:
    # A merged answer's update goes to the task of the answer it was merged into.
    target = body_as(action.payload, TaskEdit).target
    return target or key_for(action.source, action.response_id, ActionKind.CREATE_TASK)


def _update(action: Action, task_id: str) -> TaskUpdate:
    edit = body_as(action.payload, TaskEdit)
    return TaskUpdate(
        key=action.key,
        task_id=task_id,
        subject=edit.subject,
        body=edit.body,
        priority=edit.priority,
        owner_id=edit.owner,
    )


def _on_updated(ctx: DeliverContext) -> OnSuccess:
    def count(_conn: Connection, succeeded: Sequence[tuple[Action, str]]) -> None:
        ctx.result.tasks_updated += len(succeeded)

    return count


def _response(action: Action) -> ResponseKey:
    return ResponseKey(action.source, action.response_id)
