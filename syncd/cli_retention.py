"""``syncd prune``: apply the ``[retention]`` ages now, or show what they would remove."""

from __future__ import annotations

import typer

from syncd.cli_common import DEFAULT_CONFIG, ConfigOption, DryRun, open_store, settings_or_exit


def register(app: typer.Typer) -> None:
    """Add ``prune`` to the ``syncd`` command line."""
    app.command("prune")(prune)


def prune(config: ConfigOption = DEFAULT_CONFIG, dry_run: DryRun = False) -> None:
    """Prune history older than the \\[retention] ages, in small batches; loops are kept."""
    from syncd.clock import to_ms, utcnow
    from syncd.runtime.retention import cutoffs
    from syncd.store.retention import prune as prune_store

    retention = settings_or_exit(config).retention
    now_ms = to_ms(utcnow())
    with open_store(config) as engine:
        counts = prune_store(
            engine, cutoffs(retention, now_ms), retention.batch_size, dry_run=dry_run
        )
    for line in counts.lines():
        typer.echo(line)
    verb = "would be pruned" if dry_run else "pruned"
    typer.echo(f"{counts.total()} row(s) {verb}; loops are kept", err=True)
