"""slots in (start, doctor) order across doctors: the earliest-time search over many doctors (a
whole region's therapists) walks this index from the first open moment and stops after a few
entries, instead of probing every doctor's day

Not partial (bookable slots only), although that would be smaller: a plan without statistics
(autovacuum off, a fresh import) then took it for one doctor's day in the queries whose
conditions imply its predicate (the day grid's count of today's free slots, the earliest
search's LATERAL), a day of the whole region read instead of the unique index on (doctor,
start). Unfiltered, it never narrows a doctor's query better than that index does.

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_slots_start_doctor", "slots", ["start_utc", "doctor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_slots_start_doctor", table_name="slots")
