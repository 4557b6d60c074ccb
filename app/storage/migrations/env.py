"""Alembic environment: runs migrations on the connection ``app.storage`` hands over.

``app.storage.engine.upgrade_to_head`` passes an open connection (inside a transaction) in
``config.attributes["connection"]``, so a migration is all-or-nothing. Run by hand, e.g.
``alembic -x url=sqlite:////path/db.sqlite3 upgrade head`` with ``script_location`` set to this
folder, a connection is made from the ``url`` (or ``MRECIST_DB``) with the same pragmas.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run the migrations online on the given or a new connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from app.storage.engine import create_database_engine, resolve_url

    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = create_database_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
run_migrations()
