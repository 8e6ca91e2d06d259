"""slots.taken_at: when a slot was taken, so that takes whose booking was never recorded can be
listed (the booking reconciler releases them)

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

WHERE = sa.text("taken_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("slots", sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
    # Slots taken before this revision count as taken now: the reconciler checks them once.
    op.execute("UPDATE slots SET taken_at = CURRENT_TIMESTAMP WHERE status = 'taken'")
    op.create_index("ix_slots_taken_at", "slots", ["taken_at", "id"], unique=False,
                    postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_slots_taken_at", table_name="slots", postgresql_where=WHERE,
                  sqlite_where=WHERE)
    op.drop_column("slots", "taken_at")
