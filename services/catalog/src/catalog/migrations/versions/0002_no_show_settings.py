"""organizations: the no-show rule's settings (limit, window, suspension length)

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("no_show_limit", "0"), ("no_show_window_days", "90"), ("no_show_suspend_days", "30"))


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        for name, default in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=default))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        for name, _default in reversed(COLUMNS):
            batch.drop_column(name)
