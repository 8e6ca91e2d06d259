"""appointments.specialty_released_at: a booked appointment whose time is over no longer holds
its patient's one place per specialty

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD = sa.text("status IN ('pending', 'booked')")
NEW = sa.text("status IN ('pending', 'booked') AND specialty_released_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("specialty_released_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.drop_index("ux_appointments_active_specialty", table_name="appointments",
                  postgresql_where=OLD, sqlite_where=OLD)
    op.create_index("ux_appointments_active_specialty", "appointments",
                    ["patient_id", "specialty"], unique=True, postgresql_where=NEW,
                    sqlite_where=NEW)


def downgrade() -> None:
    op.drop_index("ux_appointments_active_specialty", table_name="appointments",
                  postgresql_where=NEW, sqlite_where=NEW)
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("specialty_released_at")
    op.create_index("ux_appointments_active_specialty", "appointments",
                    ["patient_id", "specialty"], unique=True, postgresql_where=OLD,
                    sqlite_where=OLD)
