"""Alembic migrations of the reading database (run by ``app.storage.engine``)."""
