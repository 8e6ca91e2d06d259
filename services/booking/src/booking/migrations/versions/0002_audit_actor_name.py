"""Audit entries keep the staff member's display name (the token's ``name`` claim).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: entries written before this revision have no name.
    op.add_column('audit_log', sa.Column('actor_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite (embedded mode) cannot drop a column in place on older versions.
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('actor_name')
