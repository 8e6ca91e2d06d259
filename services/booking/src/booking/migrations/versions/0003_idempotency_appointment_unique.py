"""idempotency_records.appointment_id unique: a booked answer and the reconciler's claim on an
abandoned take cannot both name one appointment

Revision ID: 0003
Revises: 0002
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WHERE = sa.text("appointment_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ux_idempotency_appointment", "idempotency_records", ["appointment_id"],
                    unique=True, postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ux_idempotency_appointment", table_name="idempotency_records",
                  postgresql_where=WHERE, sqlite_where=WHERE)
