"""``syncd rules test``: which rule a sample response hits and the task it would create.

A dry run over the config alone: no store, no CRM, no secrets. The owner is shown as the rule's
strategy chain, because the actual owner depends on the contact, found only at delivery.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, settings_or_exit
from syncd.model import SurveyResponse
from syncd.routing import route
from syncd.rule_trace import trace

rules_app = typer.Typer(no_args_is_help=True, help="Inspect the routing rules.")


def register(app: typer.Typer) -> None:
    """Add ``syncd rules …`` to the command line."""
    app.add_typer(rules_app, name="rules")


def _properties(values: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{value!r}: use NAME=VALUE", param_hint="--property")
        pairs[name] = text
    return pairs


@rules_app.command("test")
def rules_test(
    score: Annotated[int, typer.Option(min=0, max=10, help="The answer's score, 0-10.")],
    config: ConfigOption = DEFAULT_CONFIG,
    comment: Annotated[str | None, typer.Option(help="The answer's comment.")] = None,
    email: Annotated[str, typer.Option(help="The respondent's email.")] = "someone@example.com",
    source: Annotated[str | None, typer.Option(help="Source name (default: the first).")] = None,
    survey: Annotated[str | None, typer.Option(help="Survey name or id.")] = None,
    prop: Annotated[
        list[str] | None,
        typer.Option("--property", "-p", help="Respondent property NAME=VALUE (repeatable)."),
    ] = None,
    submitted: Annotated[
        datetime | None, typer.Option(help="When it was answered (UTC; default: now).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show which rule a sample answer would hit and the task it would create (no CRM call)."""
    settings = settings_or_exit(config, secrets=False)
    when = (submitted or datetime.now(UTC)).replace(microsecond=0)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    response = SurveyResponse(
        source=source or next(iter(settings.sources)),
        response_id="sample",
        version=1,
        score=score,
        submitted_at=when,
        updated_at=when,
        email=email,
        comment=comment,
        survey=survey,
        properties=_properties(prop or []),
    )
    verdicts = trace(response, settings.routing)
    decision = route(response, settings.routing, ZoneInfo(settings.daemon.timezone))
    task = decision.task
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "category": response.category.value,
                    "rules": [
                        {"rule": v.rule, "matched": v.reason is None, "reason": v.reason}
                        for v in verdicts
                    ],
                    "rule": decision.rule,
                    "team": decision.team,
                    "task": None
                    if task is None
                    else {
                        "owner_strategies": list(task.owner_chain),
                        "fallback_owner": settings.routing.fallback_owner,
                        "priority": task.priority.value,
                        "due_at": task.due_at.isoformat(),
                        "subject": task.subject,
                        "body": task.body,
                    },
                },
                indent=2,
            )
        )
        return
    typer.echo(f"answer: score {score} ({response.category.value}), submitted {when.isoformat()}")
    for verdict in verdicts:
        mark = "MATCH" if verdict.reason is None else "skip "
        typer.echo(f"  {mark} {verdict.rule}" + (f": {verdict.reason}" if verdict.reason else ""))
    if decision.rule is None:
        typer.echo("no rule matches: the contact's fields are updated, no task is created")
        return
    if task is None:
        typer.echo(f"rule {decision.rule} creates no task (create_task = false): fields only")
        return
    typer.echo(f"task for team {decision.team or '-'}, priority {task.priority.value}")
    typer.echo(
        f"  owner: first of {', '.join(task.owner_chain)}; else "
        f"{settings.routing.fallback_owner or 'no owner (the CRM default)'}"
    )
    typer.echo(f"  due:     {task.due_at.isoformat()}")
    typer.echo(f"  subject: {task.subject}")
    for line in task.body.splitlines():
        typer.echo(f"  | {line}")
