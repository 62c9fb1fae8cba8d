"""Alembic environment: the connection comes from `harvester.migrate` (config.attributes)."""

from __future__ import annotations

from alembic import context

from harvester.migrate import migration_context_options

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only harvester.migrate runs migrations
    raise RuntimeError("run migrations through harvester.migrate (harvester init)")

context.configure(connection=connection, **migration_context_options(connection))
with context.begin_transaction():
    context.run_migrations()
