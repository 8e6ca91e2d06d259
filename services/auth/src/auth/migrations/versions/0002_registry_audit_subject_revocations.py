"""registry audit, per-subject token revocation; login limits re-keyed (keyed HMAC)

The login limits now key on a keyed HMAC of the policy (or staff login) and on policy + client
address. Counter rows written under the old unkeyed SHA-256 keys can never match again: they
are deleted here (they held at most two days of attempts and the lockouts being retired, which
locked the policy's owner out from every address). Address rows keep their meaning and stay.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LEGACY_KINDS = ("policy", "staff")


def upgrade() -> None:
    op.create_table('subject_revocations',
    sa.Column('subject', sa.String(length=36), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', name=op.f('pk_subject_revocations'))
    )
    with op.batch_alter_table('subject_revocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_revocations_revoked_at'), ['revoked_at'], unique=False)

    op.create_table('registry_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('actor_organization_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('result_count', sa.Integer(), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_audit'))
    )
    with op.batch_alter_table('registry_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_audit_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_audit_patient_id'), ['patient_id'], unique=False)

    attempts = sa.table('login_attempts', sa.column('kind', sa.String))
    locks = sa.table('login_locks', sa.column('kind', sa.String))
    op.execute(attempts.delete().where(attempts.c.kind.in_(LEGACY_KINDS)))
    op.execute(locks.delete().where(locks.c.kind.in_(LEGACY_KINDS)))


def downgrade() -> None:
    with op.batch_alter_table('registry_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_audit_patient_id'))
        batch_op.drop_index(batch_op.f('ix_registry_audit_created_at'))
    op.drop_table('registry_audit')
    with op.batch_alter_table('subject_revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_revocations_revoked_at'))
    op.drop_table('subject_revocations')
