"""Create the catalog tables: districts, types, organizations, subdivisions, services, doctors

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 15:01:57.517529
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('districts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('organization_types',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('organizations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('short_name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.String(length=64), nullable=False),
    sa.Column('type_id', sa.String(length=64), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('booking_horizon_days', sa.Integer(), nullable=False),
    sa.Column('day_opens_at', sa.String(length=5), nullable=False),
    sa.Column('same_day_booking', sa.Boolean(), nullable=False),
    sa.Column('cancel_cutoff_hours', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], ),
    sa.ForeignKeyConstraint(['type_id'], ['organization_types.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_organizations_district_type', 'organizations', ['district_id', 'type_id'], unique=False)
    op.create_index('ix_organizations_type', 'organizations', ['type_id'], unique=False)
    op.create_table('services',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('specialty', sa.String(length=255), nullable=False),
    sa.Column('self_bookable', sa.Boolean(), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('requires_attachment', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_services_organization_id'), 'services', ['organization_id'], unique=False)
    op.create_table('subdivisions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_subdivisions_organization_id'), 'subdivisions', ['organization_id'], unique=False)
    op.create_table('doctors',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('organization_id', sa.String(length=64), nullable=False),
    sa.Column('last_name', sa.String(length=128), nullable=False),
    sa.Column('first_name', sa.String(length=128), nullable=False),
    sa.Column('middle_name', sa.String(length=128), nullable=False),
    sa.Column('specialty', sa.String(length=255), nullable=False),
    sa.Column('subdivision_id', sa.String(length=64), nullable=True),
    sa.Column('room', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['subdivision_id'], ['subdivisions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_doctors_organization_id'), 'doctors', ['organization_id'], unique=False)
    op.create_index(op.f('ix_doctors_subdivision_id'), 'doctors', ['subdivision_id'], unique=False)
    op.create_table('doctor_areas',
    sa.Column('doctor_id', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], ),
    sa.PrimaryKeyConstraint('doctor_id', 'area')
    )
    op.create_table('doctor_services',
    sa.Column('doctor_id', sa.String(length=64), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ),
    sa.PrimaryKeyConstraint('doctor_id', 'service_id')
    )
    op.create_index(op.f('ix_doctor_services_service_id'), 'doctor_services', ['service_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_doctor_services_service_id'), table_name='doctor_services')
    op.drop_table('doctor_services')
    op.drop_table('doctor_areas')
    op.drop_index(op.f('ix_doctors_subdivision_id'), table_name='doctors')
    op.drop_index(op.f('ix_doctors_organization_id'), table_name='doctors')
    op.drop_table('doctors')
    op.drop_index(op.f('ix_subdivisions_organization_id'), table_name='subdivisions')
    op.drop_table('subdivisions')
    op.drop_index(op.f('ix_services_organization_id'), table_name='services')
    op.drop_table('services')
    op.drop_index('ix_organizations_type', table_name='organizations')
    op.drop_index('ix_organizations_district_type', table_name='organizations')
    op.drop_table('organizations')
    op.drop_table('organization_types')
    op.drop_table('districts')
