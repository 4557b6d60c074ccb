"""Initial schema: reads, time points, series, lesions, entries, calipers, audit log.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels = None
depends_on = None

_APPEND_ONLY = "audit_log is append-only"


def upgrade() -> None:
    """Create every table, and triggers that keep ``audit_log`` append-only."""
    op.create_table(
        "reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_uid", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(200), nullable=False),
        sa.Column("reader_id", sa.String(200), nullable=True),
        sa.Column("criteria", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("options_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at_utc", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reads")),
        sa.UniqueConstraint("read_uid", name=op.f("uq_reads_read_uid")),
        sa.CheckConstraint(
            "criteria IN ('mRECIST', 'RECIST1.1')", name=op.f("ck_reads_criteria")
        ),
        sa.CheckConstraint("version >= 0", name=op.f("ck_reads_version")),
    )
    op.create_table(
        "time_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("study_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_points")),
        sa.ForeignKeyConstraint(
            ["read_id"], ["reads.id"], ondelete="CASCADE",
            name=op.f("fk_time_points_read_id_reads"),
        ),
        sa.UniqueConstraint("read_id", "study_date", name="uq_time_points_read_date"),
    )
    op.create_table(
        "time_point_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_point_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(64), nullable=False),
        sa.Column("series_instance_uid", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_point_series")),
        sa.ForeignKeyConstraint(
            ["time_point_id"], ["time_points.id"], ondelete="CASCADE",
            name=op.f("fk_time_point_series_time_point_id_time_points"),
        ),
        sa.UniqueConstraint("time_point_id", "phase", name="uq_time_point_series_phase"),
    )
    op.create_table(
        "lesions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("lesion_key", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("organ", sa.String(200), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("ablated", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("tracking_uid", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesions")),
        sa.ForeignKeyConstraint(
            ["read_id"], ["reads.id"], ondelete="CASCADE",
            name=op.f("fk_lesions_read_id_reads"),
        ),
        sa.UniqueConstraint("read_id", "lesion_key", name="uq_lesions_read_key"),
        sa.UniqueConstraint("read_id", "tracking_uid", name="uq_lesions_read_tracking_uid"),
        sa.CheckConstraint(
            "role IN ('target', 'non_target', 'new')", name=op.f("ck_lesions_role")
        ),
    )
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesion_id", sa.Integer(), nullable=False),
        sa.Column("time_point_id", sa.Integer(), nullable=False),
        sa.Column("long_axis_mm", sa.Float(), nullable=True),
        sa.Column("short_axis_mm", sa.Float(), nullable=True),
        sa.Column("viable_mm", sa.Float(), nullable=True),
        sa.Column("state", sa.String(32), nullable=True),
        sa.Column("typical_hcc_pattern", sa.Boolean(), nullable=True),
        sa.Column("cytology", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.ForeignKeyConstraint(
            ["lesion_id"], ["lesions.id"], ondelete="CASCADE",
            name=op.f("fk_measurements_lesion_id_lesions"),
        ),
        sa.ForeignKeyConstraint(
            ["time_point_id"], ["time_points.id"], ondelete="CASCADE",
            name=op.f("fk_measurements_time_point_id_time_points"),
        ),
        sa.UniqueConstraint("lesion_id", "time_point_id", name="uq_measurements_lesion_tp"),
        sa.CheckConstraint("long_axis_mm >= 0", name=op.f("ck_measurements_long_axis_mm")),
        sa.CheckConstraint("short_axis_mm >= 0", name=op.f("ck_measurements_short_axis_mm")),
        sa.CheckConstraint("viable_mm >= 0", name=op.f("ck_measurements_viable_mm")),
    )
    op.create_table(
        "calipers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("axis", sa.String(16), nullable=False),
        sa.Column("start_x_mm", sa.Float(), nullable=False),
        sa.Column("start_y_mm", sa.Float(), nullable=False),
        sa.Column("start_z_mm", sa.Float(), nullable=False),
        sa.Column("end_x_mm", sa.Float(), nullable=False),
        sa.Column("end_y_mm", sa.Float(), nullable=False),
        sa.Column("end_z_mm", sa.Float(), nullable=False),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calipers")),
        sa.ForeignKeyConstraint(
            ["measurement_id"], ["measurements.id"], ondelete="CASCADE",
            name=op.f("fk_calipers_measurement_id_measurements"),
        ),
        sa.UniqueConstraint("measurement_id", "axis", name="uq_calipers_measurement_axis"),
        sa.CheckConstraint(
            "axis IN ('long_axis', 'short_axis', 'viable')", name=op.f("ck_calipers_axis")
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("read_id", sa.Integer(), nullable=False),
        sa.Column("read_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("at_utc", sa.String(40), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("edit_json", sa.Text(), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("after_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.ForeignKeyConstraint(
            ["read_id"], ["reads.id"], ondelete="RESTRICT",
            name=op.f("fk_audit_log_read_id_reads"),
        ),
        sa.UniqueConstraint("read_id", "read_version", name="uq_audit_log_read_version"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    """Drop everything ``upgrade`` created (the audit trail too: only for empty databases)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "calipers",
        "measurements",
        "lesions",
        "time_point_series",
        "time_points",
        "reads",
    ):
        op.drop_table(table)
