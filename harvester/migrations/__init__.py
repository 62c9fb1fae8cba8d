"""Alembic migrations of the harvester schema (run through `harvester.migrate`, no alembic.ini)."""
