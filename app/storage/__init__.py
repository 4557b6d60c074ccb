"""Persistent storage of reads: SQLAlchemy 2 + Alembic, SQLite by default (Qt-free).

Usage::

    from app.storage import Database, StudyRepository
    db = Database.open()                    # $MRECIST_DB or the user data folder
    repo = StudyRepository(db)
    read_id = repo.create_read(study, user_id="R1")
    doc = repo.open_document(read_id, user_id="R1")
    doc.apply(edit)                         # committed (with its audit row) before it returns
"""

from app.storage.engine import ENV_VAR, HEAD_REVISION, Database, StorageError, resolve_url
from app.storage.repository import AuditEntry, ReadSummary, StudyRepository

__all__ = [
    "ENV_VAR",
    "HEAD_REVISION",
    "AuditEntry",
    "Database",
    "ReadSummary",
    "StorageError",
    "StudyRepository",
    "resolve_url",
]
