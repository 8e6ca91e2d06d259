"""Holds name their holder (a patient or staff member): holds need a login, and the
per-patient hold limit counts on it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 09:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: holds written before this revision (anonymous ones) have no holder.
    op.add_column('holds', sa.Column('holder_id', sa.String(length=64), nullable=True))
    op.create_index('ix_holds_holder_active', 'holds', ['holder_id', 'expires_at'], unique=False,
                    postgresql_where=sa.text('NOT released'), sqlite_where=sa.text('NOT released'))


def downgrade() -> None:
    op.drop_index('ix_holds_holder_active', table_name='holds',
                  postgresql_where=sa.text('NOT released'), sqlite_where=sa.text('NOT released'))
    # Batch mode: SQLite (embedded mode) cannot drop a column in place on older versions.
    with op.batch_alter_table('holds') as batch:
        batch.drop_column('holder_id')
