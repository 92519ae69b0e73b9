"""The migrations build exactly the schema the code declares, on every supported database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from syncd.store.engine import alembic_config
from syncd.store.schema import metadata


def test_migrations_form_one_chain() -> None:
    # Two files naming the same parent would leave two heads and `upgrade head` would fail.
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_migrated_store_matches_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
