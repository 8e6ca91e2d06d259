"""slots bookable by the portal, in start order: the earliest-time search over many doctors (a
whole region's therapists) walks this index from the first open moment and stops after a few
entries, instead of probing every doctor's day

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

WHERE = sa.text("status IN ('free', 'held') AND channel IN ('any', 'portal')")


def upgrade() -> None:
    op.create_index("ix_slots_bookable_start", "slots", ["start_utc", "doctor_id"], unique=False,
                    postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_slots_bookable_start", table_name="slots", postgresql_where=WHERE,
                  sqlite_where=WHERE)
