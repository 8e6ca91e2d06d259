"""The schedule's tables (SQLAlchemy Core: the hot paths avoid ORM object overhead)."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer,
                        MetaData, PrimaryKeyConstraint, String, Table, Text, UniqueConstraint,
                        text)

from regcommon.outbox import outbox_table

metadata = MetaData()

# Ids of slots are a BIGINT sequence on PostgreSQL; SQLite autoincrements only INTEGER keys.
SlotId = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)

organizations = Table(
    "organizations", metadata,
    Column("id", String(32), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("settings", Text, nullable=False),  # JSON, the catalog's organization settings
    Column("updated_at", UtcDateTime, nullable=False),
)

doctors = Table(
    "doctors", metadata,
    Column("id", String(32), primary_key=True),
    Column("organization_id", String(32), nullable=False, index=True),
    Column("timezone", String(64), nullable=False),
    Column("service_ids", Text, nullable=False),  # JSON list
    Column("updated_at", UtcDateTime, nullable=False),
)

templates = Table(
    "templates", metadata,
    Column("doctor_id", String(32), ForeignKey("doctors.id", ondelete="CASCADE"),
           primary_key=True),
    Column("slot_minutes", Integer, nullable=False),
    Column("week", Text, nullable=False),    # JSON {"mon": ["08:00", "14:00"] | null, ...}
    Column("breaks", Text, nullable=False),  # JSON [["11:00", "11:15"], ...]
    Column("reception_percent", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

absences = Table(
    "absences", metadata,
    Column("id", String(36), primary_key=True),
    Column("doctor_id", String(32), ForeignKey("doctors.id", ondelete="CASCADE"),
           nullable=False),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_absences_doctor_dates", "doctor_id", "date_from"),
)

slots = Table(
    "slots", metadata,
    Column("id", SlotId, primary_key=True, autoincrement=True),
    Column("doctor_id", String(32), nullable=False),
    Column("organization_id", String(32), nullable=False),
    Column("start_utc", UtcDateTime, nullable=False),
    Column("end_utc", UtcDateTime, nullable=False),
    Column("local_date", Date, nullable=False),
    Column("status", String(8), nullable=False),    # free | held | taken | blocked
    Column("channel", String(10), nullable=False),  # any | portal | reception
    Column("appointment_id", String(36), nullable=True),
    Column("hold_id", String(36), nullable=True),
    Column("hold_expires_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    # When the slot was taken (real time, not the business clock): the booking reconciler lists
    # takes older than a few seconds to find those whose booking was never recorded.
    Column("taken_at", UtcDateTime, nullable=True),
    # One slot per doctor and start: generation is idempotent; also the day's range index.
    UniqueConstraint("doctor_id", "start_utc", name="uq_slots_doctor_start"),
    # The database, not Python, guarantees an appointment occupies at most one slot.
    Index("uq_slots_appointment_id", "appointment_id", unique=True,
          postgresql_where=text("appointment_id IS NOT NULL"),
          sqlite_where=text("appointment_id IS NOT NULL")),
    Index("ix_slots_held_expiry", "hold_expires_at",
          postgresql_where=text("status = 'held'"), sqlite_where=text("status = 'held'")),
    Index("ix_slots_taken_at", "taken_at", "id",
          postgresql_where=text("taken_at IS NOT NULL"), sqlite_where=text("taken_at IS NOT NULL")),
    # Slots in start order across doctors: the earliest search over many doctors walks it.
    Index("ix_slots_start_doctor", "start_utc", "doctor_id"),
)

# Per doctor and local date: the day grid reads only this table (never the region's slots).
doctor_days = Table(
    "doctor_days", metadata,
    Column("doctor_id", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("interval", String(16), nullable=True),  # "08:00–14:00" (en dash); null: day off
    Column("total", Integer, nullable=False),
    Column("free", Integer, nullable=False),  # free slots of channel any/portal
    Column("blocked", Boolean, nullable=False),  # an absence covers the day
    PrimaryKeyConstraint("doctor_id", "date", name="pk_doctor_days"),
)

holds = Table(
    "holds", metadata,
    Column("id", String(36), primary_key=True),
    Column("slot_id", SlotId, nullable=False, index=True),
    Column("client_key", String(64), nullable=False),
    # Who holds: the patient id, or "staff:<id>" (null only for holds made before logins were
    # required). The per-patient limit counts on it.
    Column("holder_id", String(64), nullable=True),
    Column("session_id", String(128), nullable=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_holds_client_active", "client_key", "expires_at",
          postgresql_where=text("NOT released"), sqlite_where=text("NOT released")),
    Index("ix_holds_session_active", "session_id",
          postgresql_where=text("NOT released"), sqlite_where=text("NOT released")),
    Index("ix_holds_holder_active", "holder_id", "expires_at",
          postgresql_where=text("NOT released"), sqlite_where=text("NOT released")),
)

# Which (organization, date) pairs have had their slots.opened events written (once each).
day_openings = Table(
    "day_openings", metadata,
    Column("organization_id", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("organization_id", "date", name="pk_day_openings"),
)

outbox = outbox_table(metadata)
