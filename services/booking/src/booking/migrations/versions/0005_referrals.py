"""referrals (направления): issued by a doctor, used once by a booking, given back by a cancel

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=True),
        sa.Column("service_name", sa.String(length=500), nullable=True),
        sa.Column("specialty", sa.String(length=255), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_by_name", sa.String(length=200), nullable=True),
        sa.Column("source_system", sa.String(length=64), nullable=True),
        sa.Column("source_number", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("used_by_appointment_id", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_system", "source_number", name="ux_referrals_source"),
    )
    op.create_index("ix_referrals_patient", "referrals", ["patient_id", "status"])
    op.create_index("ix_referrals_used_by", "referrals", ["used_by_appointment_id"])


def downgrade() -> None:
    op.drop_index("ix_referrals_used_by", table_name="referrals")
    op.drop_index("ix_referrals_patient", table_name="referrals")
    op.drop_table("referrals")
