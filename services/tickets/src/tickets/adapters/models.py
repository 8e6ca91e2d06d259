"""Tables of the tickets service (SQLAlchemy Core; the one schema the migrations build)."""
from __future__ import annotations

from sqlalchemy import (JSON, Column, DateTime, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
})

# One talon per appointment. The PDF lives in the row so that any web instance can serve it.
tickets = Table(
    "tickets", metadata,
    Column("appointment_id", String(36), primary_key=True),
    Column("number", String(32), nullable=False),
    Column("verification_code", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # rendering | ready | void
    Column("data", JSON, nullable=False),  # the appointment snapshot of the latest event
    # The appointment's start (UTC), copied out of ``data`` so reminders can select by it.
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Column("rendered_version", Integer, nullable=True),
    Column("pdf", LargeBinary, nullable=True),
    Column("html", Text, nullable=True),
    Column("rendered_at", DateTime(timezone=True), nullable=True),
    # Set when rendering this version failed for good (a dead letter); cleared by a new version.
    Column("failed_at", DateTime(timezone=True), nullable=True),
    # ``occurred_at`` of the newest event applied: an older event arriving late changes nothing.
    Column("event_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_tickets_status_starts_at", tickets.c.status, tickets.c.starts_at)

notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    # event id + channel + kind (or appointment + start + channel for reminders): one message each.
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("kind", String(24), nullable=False),  # booked|cancelled|rescheduled|reminder|flagged|waitlist_offered
    Column("channel", String(8), nullable=False),  # email | sms
    Column("appointment_id", String(36), nullable=True, index=True),
    Column("waitlist_entry_id", String(36), nullable=True),
    # The real address is needed until the message is sent, then erased (data minimisation).
    Column("address", String(320), nullable=True),
    Column("recipient", String(320), nullable=False),  # masked, for people and logs
    Column("subject", String(300), nullable=True),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued | sent | failed | cancelled
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)
Index("ix_notifications_status_updated_at", notifications.c.status, notifications.c.updated_at)

processed_events = Table(
    "processed_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("type", String(64), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# Tasks that failed for good: visible here in both modes (RabbitMQ also keeps the message).
dead_letters = Table(
    "dead_letters", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_name", String(200), nullable=False),
    Column("task_id", String(64), nullable=True),
    Column("args", JSON, nullable=False),
    Column("error", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
