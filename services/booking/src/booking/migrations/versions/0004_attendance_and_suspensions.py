"""appointments.attendance (+ when and by whom marked); booking_suspensions (the no-show rule)

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("attendance", sa.String(16), nullable=True))
        batch.add_column(sa.Column("attendance_marked_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("attendance_marked_by", sa.String(64), nullable=True))
    op.create_table(
        "booking_suspensions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.String(36), nullable=False),
        sa.Column("organization_id", sa.String(64), nullable=False),
        sa.Column("organization_name", sa.String(500), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_booking_suspensions_patient", "booking_suspensions",
                    ["patient_id", "organization_id", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_booking_suspensions_patient", table_name="booking_suspensions")
    op.drop_table("booking_suspensions")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("attendance_marked_by")
        batch.drop_column("attendance_marked_at")
        batch.drop_column("attendance")
