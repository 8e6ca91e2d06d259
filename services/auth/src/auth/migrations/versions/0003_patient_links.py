"""family and proxy links between patients (issue 12)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('patient_links',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('holder_patient_id', sa.String(length=36), nullable=False),
    sa.Column('subject_patient_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.String(length=36), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['holder_patient_id'], ['patients.id'],
                            name=op.f('fk_patient_links_holder_patient_id_patients'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_patient_id'], ['patients.id'],
                            name=op.f('fk_patient_links_subject_patient_id_patients'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_links'))
    )
    with op.batch_alter_table('patient_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_links_holder_patient_id'),
                              ['holder_patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_links_subject_patient_id'),
                              ['subject_patient_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('patient_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_links_subject_patient_id'))
        batch_op.drop_index(batch_op.f('ix_patient_links_holder_patient_id'))
    op.drop_table('patient_links')
