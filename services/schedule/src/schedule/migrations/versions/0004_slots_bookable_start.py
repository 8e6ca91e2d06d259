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
    if op.get_bind().dialect.name == "postgresql":
        # The new index knows its size, the older ones may not (no ANALYZE yet: autovacuum off,
        # or not run since the import): a plan would then take this index, a day of the whole
        # region, for the way to one doctor's day, which is the unique index on (doctor, start).
        op.execute("ANALYZE slots")


def downgrade() -> None:
    op.drop_index("ix_slots_bookable_start", table_name="slots", postgresql_where=WHERE,
                  sqlite_where=WHERE)
