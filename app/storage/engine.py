"""Open the reading database: locate it, check it, set it up, migrate it (Qt-free).

Where: an explicit location, else the ``MRECIST_DB`` environment variable, else
``<user data folder>/mrecist.sqlite3`` (``app.paths``). A location is an SQLAlchemy URL
(``sqlite:///...``, ``postgresql+psycopg://...``) or a file path (taken as SQLite).

Before anything touches an existing SQLite file, it is checked through a read-only (or
immutable) connection of the standard library: the SQLite header, ``PRAGMA quick_check``, and
the Alembic revision. A non-database file, a corrupt database, a foreign database or a schema
newer than this program gives a :class:`StorageError` naming the path, and the file is left
byte for byte as it was.

Every SQLite connection gets ``journal_mode=WAL``, ``synchronous=FULL`` (a commit is on disk
when it returns), ``foreign_keys=ON`` and a busy timeout, and every write transaction starts
with ``BEGIN IMMEDIATE`` (:meth:`Database.writing`). These pragmas are the only SQLite-specific
SQL outside the migrations' dialect branches; PostgreSQL uses the same code otherwise.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError

from app.paths import default_database_path

__all__ = [
    "ENV_VAR",
    "HEAD_REVISION",
    "Database",
    "StorageError",
    "alembic_config",
    "create_database_engine",
    "known_revisions",
    "resolve_url",
]

#: Environment variable naming the database (URL or file path).
ENV_VAR = "MRECIST_DB"
#: The newest schema revision this program knows (a test checks it is Alembic's head).
HEAD_REVISION = "0001_initial"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


#: Filesystem types (Linux ``/proc/self/mounts``) on which SQLite's WAL is unsafe.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "fuse.sshfs", "fuse.davfs2", "davfs", "fuse.glusterfs", "fuse.cephfs",
})


class StorageError(RuntimeError):
    """The database cannot be opened or written; the message says which and why."""


def filesystem_type(path: Path, mounts_file: Path = Path("/proc/self/mounts")) -> str | None:
    """Return the filesystem type holding ``path`` (Linux), or None when unknown.

    The longest mount point that contains ``path`` wins; octal escapes (``\\040``) decoded.
    """
    try:
        lines = mounts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = str(path)
    best: tuple[int, str] | None = None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) >= best[0]):
            best = (len(mount_point), fields[2])
    return None if best is None else best[1]


def check_local_filesystem(path: Path, mounts_file: Path = Path("/proc/self/mounts")) -> None:
    """Refuse an SQLite file on a network filesystem (WAL needs one host, local locking).

    Raises
    ------
    StorageError
        The folder of ``path`` is on NFS, SMB/CIFS or another network filesystem.
    """
    fs_type = filesystem_type(path.parent, mounts_file)
    if fs_type is not None and fs_type.lower() in NETWORK_FILESYSTEMS:
        raise StorageError(
            f"{path}: the folder is on a network filesystem ({fs_type}); SQLite's write-ahead "
            f"log needs a local disk and can corrupt the database there; refusing to open. "
            f"Keep the database on a local disk, or share reads through PostgreSQL "
            f"({ENV_VAR}=postgresql+psycopg://...)"
        )


def resolve_url(location: str | os.PathLike[str] | None = None) -> str:
    """Return the SQLAlchemy URL of the database to use.

    Parameters
    ----------
    location : str or path-like, optional
        A URL (contains ``://``) or a file path. Default: ``$MRECIST_DB``, else the default
        file in the user data folder.

    Returns
    -------
    str
        A URL; file paths become ``sqlite:////absolute/path``.
    """
    if location is None:
        location = os.environ.get(ENV_VAR) or default_database_path()
    text = os.fspath(location)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    return f"sqlite:///{path}"


def sqlite_file(url: str) -> Path | None:
    """Return the file of an SQLite URL, or None (not SQLite, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).absolute()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Pragmas on every new SQLite connection; the driver's own transaction handling off."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
    if str(mode).lower() not in ("wal", "memory"):
        raise StorageError(
            f"SQLite refused write-ahead logging (journal mode {mode!r}); the database must be "
            "on a local disk (use PostgreSQL to share a database)"
        )


#: Execution option naming the SQLite ``BEGIN`` mode; :meth:`Database.writing` sets IMMEDIATE.
BEGIN_OPTION = "mrecist_sqlite_begin"


def _on_sqlite_begin(connection: Any) -> None:
    """Begin explicitly: ``BEGIN IMMEDIATE`` for writes (no lock-upgrade failures), else
    a deferred ``BEGIN`` so readers never block writers."""
    mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_database_engine(url: str) -> Engine:
    """Create an engine for ``url``; for SQLite, with the pragmas and ``BEGIN IMMEDIATE``."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def alembic_config() -> Any:
    """Return an Alembic ``Config`` pointing at ``app/storage/migrations`` (no .ini file)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> set[str]:
    """Return every schema revision this program's migrations define."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {s.revision for s in script.walk_revisions()}


def _refuse(where: object, problem: str) -> StorageError:
    return StorageError(f"{where}: {problem}; refusing to open (the file was not changed)")


def _check_revision(where: object, revision: str | None) -> None:
    if revision is None or revision == HEAD_REVISION:
        return
    if revision not in known_revisions():
        raise _refuse(
            where,
            f"database schema revision {revision} is newer than this program "
            f"(knows up to {HEAD_REVISION})",
        )


def inspect_sqlite_file(path: Path) -> str | None:
    """Check an SQLite file without changing it; return its schema revision (None: empty).

    Uses the standard library read-only (``mode=ro``), or ``immutable=1`` when no WAL file
    exists, so neither the file nor its ``-wal``/``-shm`` companions are created or changed.

    Raises
    ------
    StorageError
        Not an SQLite file, corrupt, not this program's database, or a newer schema.
    """
    if not path.exists():
        return None
    if not path.is_file():
        raise _refuse(path, "not a regular file")
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror})") from exc
    if not header:
        return None  # an empty file is an empty SQLite database
    if header != SQLITE_HEADER:
        raise _refuse(path, "not an SQLite database (the file does not start with its header)")
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        con = sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True)
        try:
            problems = [row[0] for row in con.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise _refuse(path, "the database is corrupt (" + "; ".join(problems[:3]) + ")")
            tables = {
                row[0]
                for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not tables:
                return None
            if "alembic_version" not in tables:
                raise _refuse(
                    path, "an SQLite database, but not one of this program (no schema revision)"
                )
            revisions = [row[0] for row in con.execute("SELECT version_num FROM alembic_version")]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"the database is corrupt or unreadable ({exc})") from exc
    if len(revisions) > 1:
        raise _refuse(path, f"several schema revisions recorded: {', '.join(revisions)}")
    revision = revisions[0] if revisions else None
    _check_revision(path, revision)
    return revision


def upgrade_to_head(engine: Engine, where: object) -> None:
    """Check the revision and run ``alembic upgrade head`` in one transaction."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).begin() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            _check_revision(where, current)
            if current == HEAD_REVISION:
                return
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StorageError(f"{where}: cannot set up the database schema ({exc})") from exc


@dataclass
class Database:
    """An open reading database.

    Attributes
    ----------
    url : str
        The SQLAlchemy URL.
    engine : sqlalchemy.Engine
        The engine; every transaction is one ``with engine.begin()`` block.
    path : pathlib.Path or None
        The SQLite file, or None for other databases.
    """

    url: str
    engine: Engine
    path: Path | None

    @classmethod
    def open(
        cls, location: str | os.PathLike[str] | None = None, *, migrate: bool = True
    ) -> Database:
        """Open (creating if needed) and migrate the database at ``location``.

        Parameters
        ----------
        location : str or path-like, optional
            URL or file path; see :func:`resolve_url`.
        migrate : bool
            Run ``upgrade head`` (default). Without it a database that is not at head is
            refused.

        Raises
        ------
        StorageError
            The database cannot be used; an existing file is left unchanged.
        """
        url = resolve_url(location)
        path = sqlite_file(url)
        where: object = path or make_url(url).render_as_string(hide_password=True)
        revision: str | None = "unknown"
        if path is not None:
            check_local_filesystem(path)
            revision = inspect_sqlite_file(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"{path.parent}: cannot create the folder ({exc})") from exc
        try:
            engine = create_database_engine(url)
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"{where}: cannot open the database ({exc})") from exc
        try:
            if revision != HEAD_REVISION:
                if not migrate:
                    raise StorageError(f"{where}: database schema is not at {HEAD_REVISION}")
                upgrade_to_head(engine, where)
        except BaseException:
            engine.dispose()
            raise
        return cls(url, engine, path)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); committed when the block ends.

        The commit has returned (and, on SQLite, reached the disk) once the block is left
        without an exception.
        """
        with self.engine.connect() as connection:
            connection.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            with connection.begin():
                yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot; never blocks writers in WAL mode)."""
        with self.engine.connect() as connection:
            with connection.begin():
                yield connection

    def close(self) -> None:
        """Close every pooled connection (SQLite then checkpoints the WAL)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
