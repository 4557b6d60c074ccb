"""Storage: migrations, pragmas, round trips, audit trail, and refusing bad database files."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from app.document import Criteria, Role, Study
from app.edits import apply_edit
from app.read_json import edit_from_json, study_from_read_json
from app.storage import Database, StorageError, StudyRepository, resolve_url
from app.storage.engine import (
    HEAD_REVISION,
    alembic_config,
    check_local_filesystem,
    filesystem_type,
    known_revisions,
)
from app.storage.models import Base
from tests.app.strategies import draw_edit

TABLES = {"reads", "time_points", "time_point_series", "lesions", "measurements", "calipers",
          "audit_log", "alembic_version"}
FOLLOW_UP = date(2026, 2, 16)


def _files(folder: Path) -> dict[str, bytes | None]:
    """Names and bytes of the files in ``folder``.

    The ``-shm`` wal-index is shared memory that SQLite rebuilds from the WAL whenever a
    connection finds it stale; only its existence is compared, not its bytes.
    """
    return {
        p.name: None if p.name.endswith("-shm") else p.read_bytes()
        for p in sorted(folder.iterdir())
    }


def _revision(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        con.close()


# Migrations


def test_upgrade_head_on_an_empty_database_creates_the_schema(database: Database) -> None:
    assert set(inspect(database.engine).get_table_names()) == TABLES
    assert database.path is not None and _revision(database.path) == HEAD_REVISION


def test_head_revision_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]
    assert HEAD_REVISION in known_revisions()


def test_models_match_the_migrations(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(database: Database) -> None:
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert set(inspect(database.engine).get_table_names()) == TABLES


def test_an_empty_file_is_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    with Database.open(path) as db:
        assert set(inspect(db.engine).get_table_names()) == TABLES


# Connection set-up


def test_pragmas_are_in_effect_on_every_connection(database: Database) -> None:
    with database.engine.connect() as a, database.engine.connect() as b:
        for conn in (a, b):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with database.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO time_points (read_id, study_date) VALUES (999, '2026-01-01')"))


def test_location_from_argument_environment_or_user_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MRECIST_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("sys.platform", "linux")
    assert resolve_url() == f"sqlite:///{tmp_path}/xdg/mrecist-workstation/mrecist.sqlite3"
    monkeypatch.setenv("MRECIST_DB", str(tmp_path / "env.db"))
    assert resolve_url() == f"sqlite:///{tmp_path}/env.db"
    monkeypatch.setenv("MRECIST_DB", "postgresql+psycopg://reader@db.example/mrecist")
    assert resolve_url() == "postgresql+psycopg://reader@db.example/mrecist"
    assert resolve_url(tmp_path / "arg.db") == f"sqlite:///{tmp_path}/arg.db"
    with Database.open(tmp_path / "arg.db") as db:
        assert db.path == tmp_path / "arg.db"


def test_postgresql_url_without_driver_gives_a_clear_error() -> None:
    pytest.importorskip("sqlalchemy")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        with pytest.raises(StorageError, match="cannot open the database"):
            Database.open("postgresql+psycopg://reader@127.0.0.1:1/mrecist")
    else:
        pytest.skip("psycopg is installed; needs a PostgreSQL server to test")


# Round trips and the audit trail


def test_saved_read_loads_back_equal(
    repository: StudyRepository, example_read: dict[str, Any]
) -> None:
    study = study_from_read_json(example_read)
    read_id = repository.create_read(study, user_id="R1")
    assert repository.load_read(read_id) == (study, 1)
    [summary] = repository.list_reads()
    assert summary.patient_id == "P-017" and summary.version == 1


def test_each_edit_is_committed_with_its_audit_row(
    repository: StudyRepository, database: Database, example_read: dict[str, Any]
) -> None:
    read_id = repository.create_read(study_from_read_json(example_read), user_id="R1")
    doc = repository.open_document(read_id, user_id="R1")
    doc.apply(doc.set_measurement_edit("T1", FOLLOW_UP, viable_mm=7.5))
    doc.apply(doc.set_state_edit("NT1", FOLLOW_UP, "present"))
    # A second engine (another process, in effect) sees the edits at once.
    with Database.open(database.path) as other:
        stored, version = StudyRepository(other).load_read(read_id)
    assert stored == doc.study and version == 3
    trail = repository.audit_trail(read_id)
    assert [a.action for a in trail] == ["CreateRead", "SetMeasurement", "SetLesionState"]
    measure = trail[1]
    assert measure.user_id == "R1" and measure.label == "Measure T1 at 2026-02-16"
    assert measure.at_utc.endswith("+00:00")
    key = "measurement T1@2026-02-16"
    assert measure.before[key]["viable_mm"] == 0.0 and measure.after[key]["viable_mm"] == 7.5
    assert measure.edit["$type"] == "SetMeasurement"


def test_audit_log_is_append_only(
    repository: StudyRepository, database: Database, example_read: dict[str, Any]
) -> None:
    repository.create_read(study_from_read_json(example_read), user_id="R1")
    for sql in ("UPDATE audit_log SET user_id = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with database.engine.begin() as conn:
                conn.execute(text(sql))
    assert len(repository.audit_trail(1)) == 1


def test_concurrent_writer_gets_a_conflict_and_nothing_is_saved(
    repository: StudyRepository, example_read: dict[str, Any]
) -> None:
    read_id = repository.create_read(study_from_read_json(example_read), user_id="R1")
    first = repository.open_document(read_id, user_id="R1")
    second = repository.open_document(read_id, user_id="R2")
    first.apply(first.set_measurement_edit("T2", FOLLOW_UP, short_axis_mm=11.0))
    before = second.study
    with pytest.raises(StorageError, match="changed elsewhere"):
        second.apply(second.set_measurement_edit("T2", FOLLOW_UP, short_axis_mm=99.0))
    assert second.study is before
    assert repository.load_read(read_id)[0] == first.study


@pytest.fixture(scope="module")
def shared_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StudyRepository]:
    db = Database.open(tmp_path_factory.mktemp("hyp") / "hyp.sqlite3")
    yield StudyRepository(db)
    db.close()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), steps=st.integers(1, 20))
def test_random_edits_load_back_equal_and_undo_is_saved_too(
    shared_repository: StudyRepository, data: st.DataObject, steps: int
) -> None:
    read_id = shared_repository.create_read(
        Study("P-H", Criteria.MRECIST, date(2026, 1, 5)), user_id="hyp")
    doc = shared_repository.open_document(read_id, user_id="hyp")
    inverses = []
    for _ in range(steps):
        inverses.append(doc.apply(draw_edit(data, doc)))
    assert shared_repository.load_read(read_id)[0] == doc.study
    # The audit trail replays: the creation snapshot plus every recorded edit.
    trail = shared_repository.audit_trail(read_id)
    replayed = Study.from_read_json(trail[0].after["read"])
    for entry in trail[1:]:
        replayed = apply_edit(replayed, edit_from_json(entry.edit))[0]
    assert replayed == doc.study
    for inverse in reversed(inverses):
        doc.apply(inverse)
    stored, version = shared_repository.load_read(read_id)
    assert stored == Study("P-H", Criteria.MRECIST, date(2026, 1, 5))
    assert version == 1 + 2 * steps == len(shared_repository.audit_trail(read_id))


# Refusing files that are not ours, broken or too new, without touching them


def _refused(path: Path, match: str) -> None:
    before = _files(path.parent)
    with pytest.raises(StorageError, match=match) as info:
        Database.open(path)
    assert str(path) in str(info.value) and "refusing to open" in str(info.value)
    assert _files(path.parent) == before  # same files, same bytes, nothing created


def _filled_database(tmp_path: Path, example_read: dict[str, Any]) -> Path:
    path = tmp_path / "db" / "mrecist.sqlite3"
    with Database.open(path) as db:
        repo = StudyRepository(db)
        for n in range(30):
            study = study_from_read_json(example_read)
            read_id = repo.create_read(study, user_id="R1")
            doc = repo.open_document(read_id, user_id="R1")
            doc.apply(doc.new_lesion_edit(Role.NEW, f"organ {n}" * 20, FOLLOW_UP))
    assert not Path(f"{path}-wal").exists()  # checkpointed on close
    return path


def test_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"Dear diary,\n" * 1000)
    _refused(path, "not an SQLite database")


def test_refuses_a_corrupt_database(tmp_path: Path, example_read: dict[str, Any]) -> None:
    path = _filled_database(tmp_path, example_read)
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) > 4 * page_size
    for page in range(1, len(data) // page_size):
        start = page * page_size
        data[start : start + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    _refused(path, "corrupt")


def test_refuses_a_truncated_database(tmp_path: Path, example_read: dict[str, Any]) -> None:
    path = _filled_database(tmp_path, example_read)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    _refused(path, "corrupt")


def test_refuses_a_newer_schema(tmp_path: Path, example_read: dict[str, Any]) -> None:
    path = _filled_database(tmp_path, example_read)
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0042_future'")
    con.commit()
    con.close()
    _refused(path, f"database schema revision 0042_future is newer than this program "
                   f"\\(knows up to {HEAD_REVISION}\\)")


def test_refuses_a_newer_schema_still_in_the_wal(
    tmp_path: Path, example_read: dict[str, Any]
) -> None:
    path = _filled_database(tmp_path, example_read)
    keep = tmp_path / "keep"
    shutil.copytree(path.parent, keep)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("UPDATE alembic_version SET version_num = '0042_future'")
    con.commit()
    # Leave the -wal behind as a crash would: copy the files while the connection is open.
    crashed = tmp_path / "crashed"
    shutil.copytree(path.parent, crashed)
    con.close()
    assert Path(crashed / "mrecist.sqlite3-wal").exists()
    _refused(crashed / "mrecist.sqlite3", "newer than this program")


def test_refuses_another_programs_database(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    _refused(path, "not one of this program")


def test_export_of_audit_json_is_valid_json(
    repository: StudyRepository, example_read: dict[str, Any]
) -> None:
    read_id = repository.create_read(study_from_read_json(example_read), user_id="R1")
    [entry] = repository.audit_trail(read_id)
    assert json.loads(json.dumps(entry.after))["read"]["patient"] == "P-017"


def test_refuses_a_database_on_a_network_filesystem(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "server:/export /mnt/share nfs4 rw 0 0\n"
        "//nas/reads /mnt/my\\040nas cifs rw 0 0\n",
        encoding="utf-8",
    )
    assert filesystem_type(Path("/home/ana"), mounts) == "ext4"
    assert filesystem_type(Path("/mnt/share/team"), mounts) == "nfs4"
    assert filesystem_type(Path("/mnt/my nas"), mounts) == "cifs"
    with pytest.raises(StorageError, match=r"network filesystem \(nfs4\).*PostgreSQL"):
        check_local_filesystem(Path("/mnt/share/team/mrecist.sqlite3"), mounts)
    check_local_filesystem(Path("/home/ana/mrecist.sqlite3"), mounts)  # local: fine
