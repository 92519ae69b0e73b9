"""The migrations build exactly the schema the code declares, on every supported database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from syncd.store.engine import alembic_config, migrate, open_engine
from syncd.store.revision import HEAD, current_revision
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


def test_head_names_the_newest_migration() -> None:
    # `migrate` skips Alembic when the store is at HEAD: a new migration must move HEAD too.
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_migrate_reads_the_revision_and_upgrades_a_store_behind_head(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.connect() as conn:
        assert current_revision(conn) is None  # never migrated: no version table yet
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0012")
    migrate(engine)  # behind HEAD: Alembic runs the missing migration
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()
