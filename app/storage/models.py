"""SQLAlchemy 2 ORM models of the reading database (Qt-free).

One row in ``reads`` is one reader's read of one patient (the ``Study`` of ``app.document``).
Time points, lesions, lesion entries (``measurements``) and drawn lines (``calipers``) hang off
it with ``ON DELETE CASCADE``. ``audit_log`` is append-only (database triggers refuse UPDATE and
DELETE) and references ``reads`` without cascade, so a read with history cannot be deleted.

The schema is created by the Alembic migrations in ``app/storage/migrations``; these classes
must match them (a test compares them).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditRecord",
    "Base",
    "CaliperRecord",
    "LesionRecord",
    "MeasurementRecord",
    "ReadRecord",
    "SeriesRecord",
    "TimePointRecord",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names for migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ReadRecord(Base):
    """One read: patient, reader, criteria, start date, options; ``version`` counts edits."""

    __tablename__ = "reads"
    __table_args__ = (
        CheckConstraint("criteria IN ('mRECIST', 'RECIST1.1')", name="criteria"),
        CheckConstraint("version >= 0", name="version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_uid: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[str] = mapped_column(String(200))
    reader_id: Mapped[str | None] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    options_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at_utc: Mapped[str] = mapped_column(String(40))


class TimePointRecord(Base):
    """One time point of a read, by date."""

    __tablename__ = "time_points"
    __table_args__ = (UniqueConstraint("read_id", "study_date", name="uq_time_points_read_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("reads.id", ondelete="CASCADE"))
    study_date: Mapped[date] = mapped_column(Date)


class SeriesRecord(Base):
    """Which series (SeriesInstanceUID) is which contrast phase at a time point."""

    __tablename__ = "time_point_series"
    __table_args__ = (
        UniqueConstraint("time_point_id", "phase", name="uq_time_point_series_phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_point_id: Mapped[int] = mapped_column(
        ForeignKey("time_points.id", ondelete="CASCADE")
    )
    phase: Mapped[str] = mapped_column(String(64))
    series_instance_uid: Mapped[str] = mapped_column(String(64))


class LesionRecord(Base):
    """A lesion of a read: stable id (``T1``), role, organ, flags and tracking UID."""

    __tablename__ = "lesions"
    __table_args__ = (
        UniqueConstraint("read_id", "lesion_key", name="uq_lesions_read_key"),
        UniqueConstraint("read_id", "tracking_uid", name="uq_lesions_read_tracking_uid"),
        CheckConstraint("role IN ('target', 'non_target', 'new')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("reads.id", ondelete="CASCADE"))
    lesion_key: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    organ: Mapped[str] = mapped_column(String(200))
    nodal: Mapped[bool] = mapped_column(Boolean)
    ablated: Mapped[bool] = mapped_column(Boolean)
    kind: Mapped[str | None] = mapped_column(String(16))
    tracking_uid: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class MeasurementRecord(Base):
    """One lesion entry at one time point (values in mm, state, flags)."""

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("lesion_id", "time_point_id", name="uq_measurements_lesion_tp"),
        CheckConstraint("long_axis_mm >= 0", name="long_axis_mm"),
        CheckConstraint("short_axis_mm >= 0", name="short_axis_mm"),
        CheckConstraint("viable_mm >= 0", name="viable_mm"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesions.id", ondelete="CASCADE"))
    time_point_id: Mapped[int] = mapped_column(ForeignKey("time_points.id", ondelete="CASCADE"))
    long_axis_mm: Mapped[float | None] = mapped_column(Float)
    short_axis_mm: Mapped[float | None] = mapped_column(Float)
    viable_mm: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str | None] = mapped_column(String(32))
    typical_hcc_pattern: Mapped[bool | None] = mapped_column(Boolean)
    cytology: Mapped[str | None] = mapped_column(String(16))


class CaliperRecord(Base):
    """A drawn line of an entry: end points in patient mm (LPS) and the image's SOP UID."""

    __tablename__ = "calipers"
    __table_args__ = (
        UniqueConstraint("measurement_id", "axis", name="uq_calipers_measurement_axis"),
        CheckConstraint("axis IN ('long_axis', 'short_axis', 'viable')", name="axis"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey("measurements.id", ondelete="CASCADE")
    )
    axis: Mapped[str] = mapped_column(String(16))
    start_x_mm: Mapped[float] = mapped_column(Float)
    start_y_mm: Mapped[float] = mapped_column(Float)
    start_z_mm: Mapped[float] = mapped_column(Float)
    end_x_mm: Mapped[float] = mapped_column(Float)
    end_y_mm: Mapped[float] = mapped_column(Float)
    end_z_mm: Mapped[float] = mapped_column(Float)
    sop_instance_uid: Mapped[str] = mapped_column(String(64))


class AuditRecord(Base):
    """Append-only audit trail: who, when (UTC), which edit, and the changed values.

    ``read_version`` is the read's version after the edit; (read, version) is unique, so the
    trail of a read has no gaps or duplicates.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("read_id", "read_version", name="uq_audit_log_read_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    read_id: Mapped[int] = mapped_column(ForeignKey("reads.id", ondelete="RESTRICT"))
    read_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(200))
    at_utc: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    edit_json: Mapped[str] = mapped_column(Text)
    before_json: Mapped[str] = mapped_column(Text)
    after_json: Mapped[str] = mapped_column(Text)
