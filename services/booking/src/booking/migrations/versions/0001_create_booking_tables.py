"""Create the booking tables: appointments (one active per specialty), idempotency records,
waiting list, audit log, processed events and the outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 15:03:05.025075
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=False),
    sa.Column('doctor_id', sa.String(length=64), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('specialty', sa.String(length=200), nullable=False),
    sa.Column('slot_id', sa.String(length=32), nullable=False),
    sa.Column('start_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_utc', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ticket_number', sa.String(length=16), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('flag_reason', sa.String(length=500), nullable=True),
    sa.Column('slot_release_due', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_number')
    )
    op.create_index('ix_appointments_org_start', 'appointments', ['organization_id', 'start_utc'], unique=False)
    op.create_index('ix_appointments_patient_start', 'appointments', ['patient_id', 'start_utc'], unique=False)
    op.create_index('ix_appointments_status_updated', 'appointments', ['status', 'updated_at'], unique=False)
    op.create_index('ux_appointments_active_specialty', 'appointments', ['patient_id', 'specialty'], unique=True, postgresql_where=sa.text("status IN ('pending', 'booked')"), sqlite_where=sa.text("status IN ('pending', 'booked')"))
    op.create_table('audit_log',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('organization_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_created', 'audit_log', ['created_at'], unique=False)
    op.create_index('ix_audit_patient', 'audit_log', ['patient_id'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=36), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('appointment_id', sa.String(length=36), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('actor_id', 'key')
    )
    op.create_table('outbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['created_at'], unique=False, postgresql_where='published_at IS NULL', sqlite_where=None)
    op.create_table('processed_events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('waitlist_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('doctor_id', sa.String(length=64), nullable=True),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('offered_slot_id', sa.String(length=32), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_waitlist_match', 'waitlist_entries', ['organization_id', 'status', 'created_at'], unique=False)
    op.create_index('ix_waitlist_patient', 'waitlist_entries', ['patient_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_waitlist_patient', table_name='waitlist_entries')
    op.drop_index('ix_waitlist_match', table_name='waitlist_entries')
    op.drop_table('waitlist_entries')
    op.drop_table('processed_events')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', postgresql_where='published_at IS NULL', sqlite_where=None)
    op.drop_table('outbox')
    op.drop_table('idempotency_records')
    op.drop_index('ix_audit_patient', table_name='audit_log')
    op.drop_index('ix_audit_created', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index('ux_appointments_active_specialty', table_name='appointments', postgresql_where=sa.text("status IN ('pending', 'booked')"), sqlite_where=sa.text("status IN ('pending', 'booked')"))
    op.drop_index('ix_appointments_status_updated', table_name='appointments')
    op.drop_index('ix_appointments_patient_start', table_name='appointments')
    op.drop_index('ix_appointments_org_start', table_name='appointments')
    op.drop_table('appointments')
