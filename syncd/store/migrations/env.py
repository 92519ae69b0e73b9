"""Alembic environment: always run programmatically on the connection ``migrate`` passes in."""

from alembic import context

from syncd.store.schema import metadata

connection = context.config.attributes["connection"]
# Batch mode lets later migrations alter tables on SQLite, which lacks most ALTER TABLE forms.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
