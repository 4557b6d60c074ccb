"""Save and load reads; every edit is one transaction with its audit row (Qt-free).

An edit counts as saved only once :meth:`StudyRepository.commit_edit` returns: the changed
rows, the read's new ``version`` and the audit row are committed together (with
``synchronous=FULL`` on SQLite the commit is on disk). :meth:`StudyRepository.open_document`
gives a :class:`app.document.StudyDocument` that commits each edit before showing it.

The rows to write are found by comparing the study before and after the edit, so every edit
type is saved by the same code. ``reads.version`` is checked and raised in the same
statement (optimistic locking): a second writer on the same read gets a :class:`StorageError`
instead of silently overwriting.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.document import (
    Caliper,
    Criteria,
    Lesion,
    Measurement,
    PointMm,
    ReadOptions,
    Role,
    Study,
    StudyDocument,
    TimePoint,
)
from app.read_json import edit_to_json, study_to_read_json, value_to_json
from app.storage.engine import Database, StorageError
from app.storage.models import (
    AuditRecord,
    CaliperRecord,
    LesionRecord,
    MeasurementRecord,
    ReadRecord,
    SeriesRecord,
    TimePointRecord,
)

__all__ = ["AuditEntry", "ReadSummary", "StudyRepository"]

_LINE_AXES = (("long_axis_line", "long_axis"), ("short_axis_line", "short_axis"),
              ("viable_line", "viable"))


@dataclass(frozen=True)
class ReadSummary:
    """One stored read, for lists."""

    read_id: int
    read_uid: str
    patient_id: str
    reader_id: str | None
    criteria: str
    version: int


@dataclass(frozen=True)
class AuditEntry:
    """One audit row: who changed what when (UTC), and the values before and after."""

    read_version: int
    user_id: str
    at_utc: str
    action: str
    label: str
    edit: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _header(study: Study) -> dict[str, Any]:
    return {
        "patient_id": study.patient_id,
        "reader_id": study.reader_id,
        "criteria": study.criteria.value,
        "start_date": study.start_date,
        "options_json": json.dumps(study.options.to_json(), sort_keys=True),
    }


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


class _Rows:
    """Row-id lookups within one transaction."""

    def __init__(self, conn: Connection, read_id: int) -> None:
        self.conn, self.read_id = conn, read_id
        self._lesions: dict[str, int] = {}
        self._timepoints: dict[date, int] = {}

    def lesion(self, key: str) -> int:
        if key not in self._lesions:
            self._lesions[key] = self.conn.execute(
                select(LesionRecord.id).where(
                    LesionRecord.read_id == self.read_id, LesionRecord.lesion_key == key
                )
            ).scalar_one()
        return self._lesions[key]

    def timepoint(self, day: date) -> int:
        if day not in self._timepoints:
            self._timepoints[day] = self.conn.execute(
                select(TimePointRecord.id).where(
                    TimePointRecord.read_id == self.read_id, TimePointRecord.study_date == day
                )
            ).scalar_one()
        return self._timepoints[day]

    def measurement(self, key: tuple[str, date]) -> int:
        return self.conn.execute(
            select(MeasurementRecord.id).where(
                MeasurementRecord.lesion_id == self.lesion(key[0]),
                MeasurementRecord.time_point_id == self.timepoint(key[1]),
            )
        ).scalar_one()


def _new_id(result: Any) -> int:
    """The primary key of the row an INSERT created."""
    key = result.inserted_primary_key
    if key is None:
        raise StorageError("the database did not return the new row's id")
    return int(key[0])


def _lesion_values(lesion: Lesion, position: int) -> dict[str, Any]:
    return {
        "lesion_key": lesion.lesion_id,
        "role": lesion.role.value,
        "organ": lesion.organ,
        "nodal": lesion.nodal,
        "ablated": lesion.ablated,
        "kind": lesion.kind,
        "tracking_uid": lesion.tracking_uid,
        "position": position,
    }


def _measurement_values(m: Measurement) -> dict[str, Any]:
    return {
        "long_axis_mm": m.long_axis_mm,
        "short_axis_mm": m.short_axis_mm,
        "viable_mm": m.viable_mm,
        "state": m.state,
        "typical_hcc_pattern": m.typical_hcc_pattern,
        "cytology": m.cytology,
    }


def _insert_calipers(conn: Connection, measurement_id: int, m: Measurement) -> None:
    for attribute, axis in _LINE_AXES:
        line: Caliper | None = getattr(m, attribute)
        if line is None:
            continue
        conn.execute(
            insert(CaliperRecord).values(
                measurement_id=measurement_id,
                axis=axis,
                start_x_mm=line.start.x_mm,
                start_y_mm=line.start.y_mm,
                start_z_mm=line.start.z_mm,
                end_x_mm=line.end.x_mm,
                end_y_mm=line.end.y_mm,
                end_z_mm=line.end.z_mm,
                sop_instance_uid=line.sop_instance_uid,
            )
        )


def _insert_series(conn: Connection, tp_id: int, tp: TimePoint) -> None:
    for phase, uid in tp.series:
        conn.execute(
            insert(SeriesRecord).values(time_point_id=tp_id, phase=phase, series_instance_uid=uid)
        )


def _write_changes(
    conn: Connection, read_id: int, before: Study, after: Study
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the rows that differ between ``before`` and ``after``; return what changed."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    rows = _Rows(conn, read_id)
    if _header(before) != _header(after):
        conn.execute(update(ReadRecord).where(ReadRecord.id == read_id).values(**_header(after)))
        old["read"] = study_header_json(before)
        new["read"] = study_header_json(after)

    lb = {lesion.lesion_id: (i, lesion) for i, lesion in enumerate(before.lesions)}
    la = {lesion.lesion_id: (i, lesion) for i, lesion in enumerate(after.lesions)}
    tb = {tp.date: tp for tp in before.timepoints}
    ta = {tp.date: tp for tp in after.timepoints}
    mb = {(m.lesion_id, tp.date): m for tp in before.timepoints for m in tp.measurements}
    ma = {(m.lesion_id, tp.date): m for tp in after.timepoints for m in tp.measurements}

    for key in mb.keys() - ma.keys():
        if key[0] in la and key[1] in ta:  # else removed by ON DELETE CASCADE below
            m_id = rows.measurement(key)
            conn.execute(delete(MeasurementRecord).where(MeasurementRecord.id == m_id))
        old[f"measurement {key[0]}@{key[1].isoformat()}"] = value_to_json(mb[key])
    for lesion_id in lb.keys() - la.keys():
        conn.execute(delete(LesionRecord).where(LesionRecord.id == rows.lesion(lesion_id)))
        old[f"lesion {lesion_id}"] = value_to_json(lb[lesion_id][1])
    for day in tb.keys() - ta.keys():
        conn.execute(delete(TimePointRecord).where(TimePointRecord.id == rows.timepoint(day)))
        old[f"time_point {day.isoformat()}"] = value_to_json(tb[day].series)

    for lesion_id, (position, lesion) in la.items():
        if lesion_id not in lb:
            conn.execute(
                insert(LesionRecord).values(read_id=read_id, **_lesion_values(lesion, position))
            )
        elif lb[lesion_id] != (position, lesion):
            conn.execute(
                update(LesionRecord)
                .where(LesionRecord.id == rows.lesion(lesion_id))
                .values(**_lesion_values(lesion, position))
            )
            if lb[lesion_id][1] != lesion:
                old[f"lesion {lesion_id}"] = value_to_json(lb[lesion_id][1])
        else:
            continue
        if lesion_id not in lb or lb[lesion_id][1] != lesion:
            new[f"lesion {lesion_id}"] = value_to_json(lesion)
    for day, tp in ta.items():
        if day not in tb:
            result = conn.execute(insert(TimePointRecord).values(read_id=read_id, study_date=day))
            _insert_series(conn, _new_id(result), tp)
        elif tb[day].series != tp.series:
            tp_id = rows.timepoint(day)
            conn.execute(delete(SeriesRecord).where(SeriesRecord.time_point_id == tp_id))
            _insert_series(conn, tp_id, tp)
            old[f"time_point {day.isoformat()}"] = value_to_json(tb[day].series)
        else:
            continue
        new[f"time_point {day.isoformat()}"] = value_to_json(tp.series)

    for key, m in ma.items():
        if key not in mb:
            result = conn.execute(
                insert(MeasurementRecord).values(
                    lesion_id=rows.lesion(key[0]),
                    time_point_id=rows.timepoint(key[1]),
                    **_measurement_values(m),
                )
            )
            _insert_calipers(conn, _new_id(result), m)
        elif mb[key] != m:
            m_id = rows.measurement(key)
            conn.execute(
                update(MeasurementRecord)
                .where(MeasurementRecord.id == m_id)
                .values(**_measurement_values(m))
            )
            conn.execute(delete(CaliperRecord).where(CaliperRecord.measurement_id == m_id))
            _insert_calipers(conn, m_id, m)
            old[f"measurement {key[0]}@{key[1].isoformat()}"] = value_to_json(mb[key])
        else:
            continue
        new[f"measurement {key[0]}@{key[1].isoformat()}"] = value_to_json(m)
    return old, new


def study_header_json(study: Study) -> dict[str, Any]:
    """The read-level fields of a study as JSON (for audit rows)."""
    return {
        "patient": study.patient_id,
        "reader": study.reader_id,
        "criteria": study.criteria.value,
        "start_date": study.start_date.isoformat(),
        "options": study.options.to_json(),
    }


class _DocumentCommitter:
    """Commits a document's edits to one read, tracking the read's version."""

    def __init__(self, repository: StudyRepository, read_id: int, version: int, user_id: str):
        self.repository, self.read_id, self.version, self.user_id = (
            repository, read_id, version, user_id
        )

    def __call__(self, edit: Any, before: Study, after: Study) -> None:
        self.version = self.repository.commit_edit(
            self.read_id, edit, before, after, user_id=self.user_id, expected_version=self.version
        )


class StudyRepository:
    """Reads in a :class:`~app.storage.engine.Database`: create, load, edit, audit."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def _transaction(self, what: str, *, write: bool = True) -> Iterator[Connection]:
        begin = self.database.writing if write else self.database.reading
        try:
            with begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            where = self.database.path or "database"
            raise StorageError(f"{where}: {what} failed, nothing was saved ({exc})") from exc

    def create_read(self, study: Study, *, user_id: str, source: str = "new") -> int:
        """Store a new read (version 1, with a ``CreateRead`` audit row); return its id."""
        with self._transaction("creating the read") as conn:
            result = conn.execute(
                insert(ReadRecord).values(
                    read_uid=str(uuid.uuid4()), version=1, created_at_utc=_utc_now(),
                    **_header(study),
                )
            )
            read_id = _new_id(result)
            empty = Study(study.patient_id, study.criteria, study.start_date, study.reader_id,
                          study.options)
            _write_changes(conn, read_id, empty, study)
            self._audit(conn, read_id, 1, user_id, "CreateRead", f"Create read ({source})",
                        {"$type": "CreateRead", "source": source}, {},
                        {"read": study_to_read_json(study)})
        return read_id

    def commit_edit(
        self,
        read_id: int,
        edit: Any,
        before: Study,
        after: Study,
        *,
        user_id: str,
        expected_version: int,
    ) -> int:
        """Save one edit (``before`` -> ``after``) and its audit row in one transaction.

        Returns
        -------
        int
            The read's new version. The edit is durable once this returns.

        Raises
        ------
        StorageError
            The read changed elsewhere (version mismatch) or the database failed; nothing saved.
        """
        with self._transaction(f"saving {edit.label!r}") as conn:
            result = conn.execute(
                update(ReadRecord)
                .where(ReadRecord.id == read_id, ReadRecord.version == expected_version)
                .values(version=expected_version + 1)
            )
            if result.rowcount != 1:
                raise StorageError(
                    f"read {read_id} was changed elsewhere (expected version {expected_version});"
                    " reload it; nothing was saved"
                )
            old, new = _write_changes(conn, read_id, before, after)
            self._audit(conn, read_id, expected_version + 1, user_id, type(edit).__name__,
                        edit.label, edit_to_json(edit), old, new)
        return expected_version + 1

    @staticmethod
    def _audit(conn: Connection, read_id: int, version: int, user_id: str, action: str,
               label: str, edit: dict[str, Any], old: dict[str, Any],
               new: dict[str, Any]) -> None:
        conn.execute(
            insert(AuditRecord).values(
                read_id=read_id, read_version=version, user_id=user_id, at_utc=_utc_now(),
                action=action, label=label, edit_json=_dumps(edit), before_json=_dumps(old),
                after_json=_dumps(new),
            )
        )

    def load_read(self, read_id: int) -> tuple[Study, int]:
        """Return the stored read and its version.

        Raises
        ------
        StorageError
            No such read, or the database failed.
        """
        with self._transaction("loading the read", write=False) as conn:
            return _load(conn, read_id)

    def open_document(self, read_id: int, *, user_id: str) -> StudyDocument:
        """Load a read into a document whose edits are committed before they show."""
        study, version = self.load_read(read_id)
        return StudyDocument(study, committer=_DocumentCommitter(self, read_id, version, user_id))

    def list_reads(self) -> list[ReadSummary]:
        """Return every stored read, oldest first."""
        with self._transaction("listing reads", write=False) as conn:
            with Session(bind=conn) as session:
                rows = session.scalars(select(ReadRecord).order_by(ReadRecord.id))
                return [
                    ReadSummary(r.id, r.read_uid, r.patient_id, r.reader_id, r.criteria,
                                r.version)
                    for r in rows
                ]

    def audit_trail(self, read_id: int) -> list[AuditEntry]:
        """Return the audit rows of a read, oldest first."""
        with self._transaction("reading the audit trail", write=False) as conn:
            with Session(bind=conn) as session:
                rows = session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.read_id == read_id)
                    .order_by(AuditRecord.read_version)
                )
                return [
                    AuditEntry(a.read_version, a.user_id, a.at_utc, a.action, a.label,
                               json.loads(a.edit_json), json.loads(a.before_json),
                               json.loads(a.after_json))
                    for a in rows
                ]


def _load(conn: Connection, read_id: int) -> tuple[Study, int]:
    with Session(bind=conn) as session:
        return _load_in(session, read_id)


def _load_in(session: Session, read_id: int) -> tuple[Study, int]:
    read = session.scalars(select(ReadRecord).where(ReadRecord.id == read_id)).first()
    if read is None:
        raise StorageError(f"no read with id {read_id}")
    lesion_rows = session.scalars(
        select(LesionRecord).where(LesionRecord.read_id == read_id).order_by(LesionRecord.position)
    ).all()
    lesions = tuple(
        Lesion(r.lesion_key, Role(r.role), r.organ, bool(r.nodal), bool(r.ablated), r.kind,
               r.tracking_uid)
        for r in lesion_rows
    )
    order = {lesion.lesion_id: i for i, lesion in enumerate(lesions)}
    tp_rows = session.scalars(
        select(TimePointRecord).where(TimePointRecord.read_id == read_id)
    ).all()
    series: dict[int, list[tuple[str, str]]] = {r.id: [] for r in tp_rows}
    for s in session.scalars(
        select(SeriesRecord).join(TimePointRecord).where(TimePointRecord.read_id == read_id)
    ):
        series[s.time_point_id].append((s.phase, s.series_instance_uid))
    lines: dict[int, dict[str, Caliper]] = {}
    for c in session.scalars(
        select(CaliperRecord).join(MeasurementRecord).join(LesionRecord)
        .where(LesionRecord.read_id == read_id)
    ):
        lines.setdefault(c.measurement_id, {})[c.axis] = Caliper(
            PointMm(c.start_x_mm, c.start_y_mm, c.start_z_mm),
            PointMm(c.end_x_mm, c.end_y_mm, c.end_z_mm),
            c.sop_instance_uid,
        )
    entries: dict[int, list[Measurement]] = {r.id: [] for r in tp_rows}
    for m, key in session.execute(
        select(MeasurementRecord, LesionRecord.lesion_key).join(LesionRecord)
        .where(LesionRecord.read_id == read_id)
    ):
        drawn = lines.get(m.id, {})
        entries[m.time_point_id].append(
            Measurement(
                key, m.long_axis_mm, m.short_axis_mm, m.viable_mm, m.state,
                None if m.typical_hcc_pattern is None else bool(m.typical_hcc_pattern),
                m.cytology, drawn.get("long_axis"), drawn.get("short_axis"), drawn.get("viable"),
            )
        )
    timepoints = tuple(
        sorted(
            (
                TimePoint(
                    r.study_date,
                    tuple(sorted(series[r.id])),
                    tuple(sorted(entries[r.id], key=lambda m: order[m.lesion_id])),
                )
                for r in tp_rows
            ),
            key=lambda tp: tp.date,
        )
    )
    study = Study(
        read.patient_id,
        Criteria(read.criteria),
        read.start_date,
        read.reader_id,
        ReadOptions(**json.loads(read.options_json)),
        lesions,
        timepoints,
    )
    return study, read.version
