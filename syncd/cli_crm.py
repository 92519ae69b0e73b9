"""``syncd crm setup``: create, once and on request, the fields syncd writes in the CRM."""

from __future__ import annotations

from typing import Annotated

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, settings_or_exit
from syncd.model import SetupState

crm_app = typer.Typer(no_args_is_help=True, help="Prepare the CRM for syncd.")


def register(app: typer.Typer) -> None:
    """Add ``syncd crm …`` to the command line."""
    app.add_typer(crm_app, name="crm")


@crm_app.command("setup")
def setup(
    config: ConfigOption = DEFAULT_CONFIG,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be created; create nothing.")
    ] = False,
) -> None:
    """Create the property group and the properties syncd writes, where missing (idempotent)."""
    from syncd.runtime.building import build_crm

    settings = settings_or_exit(config)
    crm = build_crm(settings)
    try:
        steps = crm.setup(dry_run=dry_run)
    finally:
        crm.close()
    for step in steps:
        typer.echo(str(step))
    failed = [step for step in steps if step.state is SetupState.FAILED]
    verb = "would create" if dry_run else "created"
    counted = sum(step.state in (SetupState.CREATED, SetupState.WOULD_CREATE) for step in steps)
    typer.echo(f"crm {crm.name}: {counted} {verb}, {len(failed)} failed", err=True)
    raise typer.Exit(1 if failed else 0)
