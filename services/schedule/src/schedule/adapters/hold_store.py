"""Rows of the holds table (the slot side of a hold lives in slot_store)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.engine import Connection

from ..domain.bookability import PORTAL_CHANNELS
from .tables import doctor_days, holds, slots


def _active(now: datetime):
    return and_(holds.c.released.is_(False), holds.c.expires_at > now)


def session_holds(conn: Connection, session_id: str, now: datetime) -> list:
    return conn.execute(select(holds.c.id, holds.c.slot_id)
                        .where(holds.c.session_id == session_id, _active(now))).all()


def client_holds(conn: Connection, client_key: str, now: datetime) -> tuple[int, datetime | None]:
    """How many active holds the client has, and when the soonest one expires."""
    row = conn.execute(select(func.count(), func.min(holds.c.expires_at))
                       .where(holds.c.client_key == client_key, _active(now))).first()
    return row[0], row[1]


def holder_holds(conn: Connection, holder_id: str, now: datetime) -> tuple[int, datetime | None]:
    """How many active holds the patient (or staff member) has, and the soonest expiry."""
    row = conn.execute(select(func.count(), func.min(holds.c.expires_at))
                       .where(holds.c.holder_id == holder_id, _active(now))).first()
    return row[0], row[1]


def lock_day(conn: Connection, doctor_id: str, day) -> None:
    """Serialize the holds of one doctor-day (PostgreSQL), so that its cap is exact. The hold
    updates this counter row anyway: taking the lock earlier adds no new contention."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(doctor_days.c.doctor_id).where(
            doctor_days.c.doctor_id == doctor_id, doctor_days.c.date == day).with_for_update())


def day_holds(conn: Connection, doctor_id: str, day, now: datetime) -> tuple[int, int, datetime | None]:
    """(portal slots of the doctor-day, of them held now, the soonest of those holds to expire)."""
    held = and_(slots.c.status == "held", slots.c.hold_expires_at > now)
    row = conn.execute(select(
        func.count(), func.sum(case((held, 1), else_=0)),
        func.min(case((held, slots.c.hold_expires_at), else_=None)))
        .where(slots.c.doctor_id == doctor_id, slots.c.local_date == day,
               slots.c.channel.in_(PORTAL_CHANNELS))).first()
    return row[0] or 0, row[1] or 0, row[2]


def add(conn: Connection, **values) -> None:
    conn.execute(insert(holds).values(released=False, **values))


def get(conn: Connection, hold_id: str):
    return conn.execute(select(holds.c.slot_id, holds.c.released)
                        .where(holds.c.id == hold_id)).first()


def mark_released(conn: Connection, hold_id: str) -> None:
    conn.execute(update(holds).where(holds.c.id == hold_id).values(released=True))
