"""The migrations build exactly the schema the code declares, on every supported database.

A new store is created in one step (``syncd.store.new_store``), a store with tables behind
``HEAD`` is migrated step by step: both roads must end with the same schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from syncd.store import new_store
from syncd.store.engine import alembic_config, migrate, open_engine
from syncd.store.revision import HEAD, VERSION_TABLE, current_revision
from syncd.store.schema import metadata

NewDatabase = Callable[[], str]


@contextmanager
def _store(url: str) -> Iterator[Engine]:
    engine = open_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _upgrade_step_by_step(engine: Engine, revision: str = "head") -> None:
    """What ``migrate`` did for every store before new ones were created in one step."""
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _table_shape(conn: Connection, table: str) -> dict[str, Any]:
    found = inspect(conn)
    # By name: a column a migration added comes last in its table, wherever the code declares it;
    # nothing reads columns by position.
    columns = {
        c["name"]: (str(c["type"]), c["nullable"], str(c.get("default")), c.get("autoincrement"))
        for c in found.get_columns(table)
    }
    indexes = sorted(
        (str(ix["name"]), tuple(ix["column_names"]), ix["unique"], *_options(ix))
        for ix in found.get_indexes(table)
    )
    uniques = sorted(
        (str(u["name"]), tuple(u["column_names"])) for u in found.get_unique_constraints(table)
    )
    return {
        "columns": columns,
        "primary key": found.get_pk_constraint(table),
        "indexes": indexes,
        "uniques": uniques,
        "foreign keys": found.get_foreign_keys(table),
        "checks": found.get_check_constraints(table),
    }


def _options(index: Any) -> list[tuple[str, str]]:
    """An index's dialect options (a partial index's WHERE) as text: comparable."""
    return sorted((key, str(value)) for key, value in index.get("dialect_options", {}).items())


def _schema(engine: Engine) -> dict[str, Any]:
    """Everything the store holds besides rows: tables (Alembic's too) and server functions."""
    with engine.connect() as conn:
        tables = {name: _table_shape(conn, name) for name in inspect(conn).get_table_names()}
        functions: list[Any] = []
        sequences: list[str] = []
        if conn.dialect.name == "postgresql":
            sequences = sorted(inspect(conn).get_sequence_names())
            functions = sorted(
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                        "JOIN pg_namespace n ON n.oid = p.pronamespace "
                        "WHERE n.nspname = current_schema()"
                    )
                )
            )
    return {"tables": tables, "functions": functions, "sequences": sequences}


def test_migrations_form_one_chain() -> None:
    # Two files naming the same parent would leave two heads and `upgrade head` would fail.
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_head_names_the_newest_migration() -> None:
    # `migrate` skips Alembic when the store is at HEAD: a new migration must move HEAD too.
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_the_migrations_build_the_declared_schema(new_database: NewDatabase) -> None:
    with _store(new_database()) as engine:
        _upgrade_step_by_step(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_new_store_is_created_as_the_migrations_build_it(new_database: NewDatabase) -> None:
    with _store(new_database()) as stepwise, _store(new_database()) as created:
        _upgrade_step_by_step(stepwise)
        migrate(created)
        step_schema, new_schema = _schema(stepwise), _schema(created)
    assert VERSION_TABLE in new_schema["tables"]
    if created.dialect.name == "postgresql":
        assert [name for name, _ in new_schema["functions"]] == ["syncd_rate_reserve"]
    assert new_schema == step_schema


def test_a_new_store_is_at_head_for_alembic_and_skips_it(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _store(new_database()) as engine:
        migrate(engine)
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        monkeypatch.setattr(command, "upgrade", _refuse)  # at HEAD: never called again
        migrate(engine)


def _refuse(*_: object) -> None:
    raise AssertionError("Alembic ran on a store already at HEAD")


def test_a_new_store_is_created_whole_or_not_at_all(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(_: Connection) -> None:
        raise RuntimeError("killed between the tables and the stamp")

    with _store(new_database()) as engine:
        monkeypatch.setattr(new_store, "stamp_head", crash)
        with pytest.raises(RuntimeError, match="killed"):
            migrate(engine)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []  # still new: the next start creates it
        monkeypatch.undo()
        migrate(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD


def test_a_store_behind_head_is_upgraded_step_by_step(new_database: NewDatabase) -> None:
    with _store(new_database()) as engine, _store(new_database()) as stepwise:
        _upgrade_step_by_step(engine, "0012")
        with engine.connect() as conn:
            assert current_revision(conn) == "0012"
        migrate(engine)  # behind HEAD: Alembic runs the missing migrations
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        _upgrade_step_by_step(stepwise)
        assert _schema(engine) == _schema(stepwise)


def test_a_database_with_any_table_is_migrated_step_by_step(new_database: NewDatabase) -> None:
    # Not new: syncd shares it with another table, or an earlier store lost its version table.
    with _store(new_database()) as engine, _store(new_database()) as stepwise:
        for store in (engine, stepwise):
            with store.begin() as conn:
                conn.execute(text("CREATE TABLE other_app (id INTEGER PRIMARY KEY)"))
        migrate(engine)
        _upgrade_step_by_step(stepwise)
        assert _schema(engine) == _schema(stepwise)


def test_migrate_reads_the_revision_of_a_store_never_migrated(tmp_path: Path) -> None:
    with _store(f"sqlite:///{tmp_path / 'store.db'}") as engine:
        with engine.connect() as conn:
            assert current_revision(conn) is None  # never migrated: no version table yet
        migrate(engine)
        with engine.connect() as conn:
            assert current_revision(conn) == HEAD
