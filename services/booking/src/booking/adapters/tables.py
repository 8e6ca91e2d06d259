"""The booking database schema (SQLAlchemy Core). Migrations must match it (a test checks)."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, false, text)

from regcommon.outbox import outbox_table

metadata = MetaData()

ACTIVE_STATUSES = ("pending", "booked")
# Holding the patient's one place per specialty: booked (or pending) and not yet over (a past
# appointment gets specialty_released_at when the patient books that specialty again).
_ACTIVE = text("status IN ('pending', 'booked') AND specialty_released_at IS NULL")

appointments = Table(
    "appointments", metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("organization_id", String(64), nullable=False),
    Column("doctor_id", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("specialty", String(200), nullable=False),
    Column("slot_id", String(32), nullable=False),
    Column("start_utc", DateTime(timezone=True), nullable=False),
    Column("end_utc", DateTime(timezone=True), nullable=False),
    # pending | booked | cancelled | completed | no_show | failed
    Column("status", String(16), nullable=False),
    Column("ticket_number", String(16), nullable=False, unique=True),
    # Names of organization/doctor/service/patient and the contact, frozen at booking time, so
    # that answers and events need no call to other services.
    Column("snapshot", JSON, nullable=False),
    Column("channel", String(16), nullable=False),  # portal | reception
    Column("created_by", String(64), nullable=False),
    Column("flagged", Boolean, nullable=False, server_default=false()),
    Column("flag_reason", String(500), nullable=True),
    # The slot must still be released in schedule (cancelled or failed appointments); the
    # reconciler retries until schedule confirms, so a schedule outage never leaks a slot.
    Column("slot_release_due", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    # Marked by the reception after the time: null (not marked) | attended | no_show.
    Column("attendance", String(16), nullable=True),
    Column("attendance_marked_at", DateTime(timezone=True), nullable=True),
    Column("attendance_marked_by", String(64), nullable=True),
    Column("specialty_released_at", DateTime(timezone=True), nullable=True),
    # EMIAS rule, race-free: one active appointment per patient and specialty.
    Index("ux_appointments_active_specialty", "patient_id", "specialty", unique=True,
          postgresql_where=_ACTIVE, sqlite_where=_ACTIVE),
    Index("ix_appointments_patient_start", "patient_id", "start_utc"),
    Index("ix_appointments_org_start", "organization_id", "start_utc"),
    Index("ix_appointments_status_updated", "status", "updated_at"),
)

# One row per (actor, Idempotency-Key): the answer, stored with the appointment it booked in one
# transaction (or with a refusal), so that retries replay it. Reschedules still claim first and
# store the answer when they finish.
idempotency_records = Table(
    "idempotency_records", metadata,
    Column("actor_id", String(64), primary_key=True),
    Column("key", String(36), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("appointment_id", String(36), nullable=True),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    # A booked answer and the reconciler's claim on an abandoned take (actor ``reconciler``)
    # name the appointment: whichever commits first decides whether it is booked or released.
    Index("ux_idempotency_appointment", "appointment_id", unique=True,
          postgresql_where=text("appointment_id IS NOT NULL"),
          sqlite_where=text("appointment_id IS NOT NULL")),
)

waitlist_entries = Table(
    "waitlist_entries", metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("organization_id", String(64), nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("doctor_id", String(64), nullable=True),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
    Column("status", String(16), nullable=False),  # waiting | offered | fulfilled | cancelled
    Column("offered_slot_id", String(32), nullable=True),
    Column("offered_at", DateTime(timezone=True), nullable=True),
    Column("snapshot", JSON, nullable=False),  # patient name and contact for the offer message
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_waitlist_match", "organization_id", "status", "created_at"),
    Index("ix_waitlist_patient", "patient_id"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", String(36), primary_key=True),
    Column("actor_id", String(64), nullable=False),
    Column("actor_role", String(16), nullable=False),
    # The staff member's display name as the token named them at the time (people read the log).
    Column("actor_name", String(200), nullable=True),
    Column("action", String(32), nullable=False),
    Column("appointment_id", String(36), nullable=True),
    Column("patient_id", String(36), nullable=True),
    Column("organization_id", String(64), nullable=True),
    Column("ip", String(64), nullable=True),
    Column("user_agent", String(300), nullable=True),
    Column("details", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_audit_created", "created_at"),
    Index("ix_audit_patient", "patient_id"),
)

# Online booking of a patient in an organization refused from starts_at until ends_at (the no-show
# rule, booking/attendance.py); a correction that brings the count under the limit ends it early.
booking_suspensions = Table(
    "booking_suspensions", metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("organization_id", String(64), nullable=False),
    # For the patient's message, as the appointment that started it named them.
    Column("organization_name", String(500), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(32), nullable=False),  # no_show
    Column("count", Integer, nullable=False),  # no-shows in the window when it started
    Column("window_days", Integer, nullable=False),
    Column("lifted_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_booking_suspensions_patient", "patient_id", "organization_id", "ends_at"),
)

# Events already handled by ``python -m booking consume`` (redeliveries are skipped).
processed_events = Table(
    "processed_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(64), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# Referrals (направления): a doctor's permission for one patient to book one service or any
# service of one specialty until ``expires_on``; a booking uses one up, a cancel gives it back
# (booking/referrals.py). ``source_system`` + ``source_number``: an import's idempotency key.
referrals = Table(
    "referrals", metadata,
    Column("id", String(36), primary_key=True),
    Column("patient_id", String(36), nullable=False),
    Column("organization_id", String(64), nullable=False),  # the issuing organization
    Column("service_id", String(64), nullable=True),  # one of service_id and specialty
    Column("service_name", String(500), nullable=True),
    Column("specialty", String(255), nullable=True),
    Column("issued_by", String(64), nullable=False),  # the staff member (or importer)
    Column("issued_by_name", String(200), nullable=True),
    Column("source_system", String(64), nullable=True),
    Column("source_number", String(64), nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_on", Date, nullable=False),  # the last day it may be used
    Column("status", String(16), nullable=False),  # active | used | cancelled
    Column("used_by_appointment_id", String(36), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_system", "source_number", name="ux_referrals_source"),
    Index("ix_referrals_patient", "patient_id", "status"),
    Index("ix_referrals_used_by", "used_by_appointment_id"),
)

outbox = outbox_table(metadata)
