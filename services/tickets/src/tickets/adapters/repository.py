"""Database access of the tickets service: small functions over a SQLAlchemy session.

Uniqueness (one ticket per appointment, one notification per dedup key, one processing per event)
is enforced by the database with ``INSERT … ON CONFLICT DO NOTHING``, never by a read-then-write.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from regcommon.db import new_id, utcnow
from regcommon.instants import as_utc  # noqa: F401 (services read columns through repo.as_utc)

from .models import dead_letters, notifications, processed_events, tickets


def insert_ignore(session: Session, table: Table, values: dict) -> bool:
    """Insert unless a row with the same unique key exists; True when this call inserted it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the two supported backends are above
        raise RuntimeError(f"unsupported database: {dialect}")
    # RETURNING rather than rowcount: psycopg 3 reports -1 for INSERT … ON CONFLICT here.
    key = list(table.primary_key.columns)[0]
    return session.execute(stmt.returning(key)).first() is not None


def mark_event_processed(session: Session, event_id: str, event_type: str) -> bool:
    """Record the event in this transaction; False if it was processed before (a redelivery)."""
    return insert_ignore(session, processed_events,
                         {"event_id": event_id, "type": event_type, "processed_at": utcnow()})


def get_ticket(session: Session, appointment_id: str, *, for_update: bool = False):
    stmt = select(tickets).where(tickets.c.appointment_id == appointment_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.execute(stmt).mappings().first()


def ticket_status(session: Session, appointment_id: str):
    """The ticket without its heavy columns (PDF, HTML)."""
    cols = [tickets.c.appointment_id, tickets.c.number, tickets.c.status, tickets.c.verification_code,
            tickets.c.version, tickets.c.rendered_version, tickets.c.rendered_at]
    return session.execute(select(*cols).where(tickets.c.appointment_id == appointment_id)).mappings().first()


def ticket_content(session: Session, appointment_id: str, column: str):
    """One rendered file (``pdf`` or ``html``) of the ticket."""
    return session.execute(select(tickets.c[column]).where(tickets.c.appointment_id == appointment_id)).scalar_one()


def insert_ticket(session: Session, values: dict) -> bool:
    now = utcnow()
    return insert_ignore(session, tickets, {"created_at": now, "updated_at": now, **values})


def update_ticket(session: Session, appointment_id: str, values: dict, **where) -> int:
    stmt = update(tickets).where(tickets.c.appointment_id == appointment_id)
    for column, value in where.items():
        stmt = stmt.where(tickets.c[column] == value)
    return session.execute(stmt.values(updated_at=utcnow(), **values)).rowcount


def add_notification(session: Session, values: dict) -> str | None:
    """Queue a message unless its dedup key exists; returns the new id or None."""
    now = utcnow()
    notification_id = new_id()
    row = {"id": notification_id, "status": "queued", "attempts": 0, "created_at": now,
           "updated_at": now, **values}
    return notification_id if insert_ignore(session, notifications, row) else None


def get_notification(session: Session, notification_id: str):
    return session.execute(select(notifications).where(notifications.c.id == notification_id)).mappings().first()


def update_notification(session: Session, notification_id: str, values: dict, **where) -> int:
    stmt = update(notifications).where(notifications.c.id == notification_id)
    for column, value in where.items():
        stmt = stmt.where(notifications.c[column] == value)
    return session.execute(stmt.values(updated_at=utcnow(), **values)).rowcount


def list_notifications(session: Session, appointment_id: str | None, limit: int = 200) -> list[dict]:
    cols = [c for c in notifications.c if c.name not in ("address", "body")]
    stmt = select(*cols, notifications.c.body).order_by(notifications.c.created_at, notifications.c.id).limit(limit)
    if appointment_id:
        stmt = stmt.where(notifications.c.appointment_id == appointment_id)
    return [dict(row) for row in session.execute(stmt).mappings()]


def add_dead_letter(session: Session, task_name: str, task_id: str | None, args: list, error: str) -> None:
    session.execute(insert(dead_letters).values(id=new_id(), task_name=task_name, task_id=task_id,
                                                args=args, error=error[:4000], created_at=utcnow()))


def delete_dead_letters(session: Session, created_before: datetime) -> int:
    return session.execute(delete(dead_letters).where(dead_letters.c.created_at < created_before)).rowcount


def list_dead_letters(session: Session, limit: int = 200) -> list[dict]:
    stmt = select(dead_letters).order_by(dead_letters.c.created_at.desc()).limit(limit)
    return [dict(row) for row in session.execute(stmt).mappings()]


def stale_renders(session: Session, older_than: datetime, limit: int = 500) -> list[tuple[str, int]]:
    stmt = (select(tickets.c.appointment_id, tickets.c.version)
            .where(tickets.c.status == "rendering", tickets.c.failed_at.is_(None),
                   tickets.c.updated_at < older_than).limit(limit))
    return [(row.appointment_id, row.version) for row in session.execute(stmt)]


def stale_notifications(session: Session, older_than: datetime, limit: int = 500) -> list[str]:
    stmt = (select(notifications.c.id)
            .where(notifications.c.status == "queued", notifications.c.updated_at < older_than).limit(limit))
    return [row.id for row in session.execute(stmt)]


def reminder_state(session: Session, appointment_id: str):
    """What decides whether a queued reminder still holds (no PDF or HTML loaded)."""
    cols = [tickets.c.status, tickets.c.data, tickets.c.starts_at]
    return session.execute(select(*cols).where(tickets.c.appointment_id == appointment_id)).mappings().first()


def upcoming_tickets(session: Session, start: datetime, end: datetime):
    cols = [tickets.c.appointment_id, tickets.c.data, tickets.c.starts_at, tickets.c.number]
    stmt = (select(*cols).where(tickets.c.status.in_(("rendering", "ready")),
                                tickets.c.starts_at >= start, tickets.c.starts_at < end)
            .order_by(tickets.c.starts_at))
    return session.execute(stmt).mappings().all()
