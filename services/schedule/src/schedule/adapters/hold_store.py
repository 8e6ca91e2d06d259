"""Rows of the holds table (the slot side of a hold lives in slot_store)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from .tables import holds


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


def add(conn: Connection, **values) -> None:
    conn.execute(insert(holds).values(released=False, **values))


def get(conn: Connection, hold_id: str):
    return conn.execute(select(holds.c.slot_id, holds.c.released)
                        .where(holds.c.id == hold_id)).first()


def mark_released(conn: Connection, hold_id: str) -> None:
    conn.execute(update(holds).where(holds.c.id == hold_id).values(released=True))
