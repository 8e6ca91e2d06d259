"""The read queries of the hot paths, built once; each request only binds its parameters."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from ..domain.bookability import PORTAL_CHANNELS
from .tables import doctor_days, slots

DAY_GRID = (select(doctor_days.c.date, doctor_days.c.interval, doctor_days.c.free,
                   doctor_days.c.blocked)
            .where(doctor_days.c.doctor_id == bindparam("doctor_id"),
                   doctor_days.c.date >= bindparam("first"),
                   doctor_days.c.date <= bindparam("last")))
DAY_SLOTS = (select(slots.c.id, slots.c.start_utc, slots.c.end_utc, slots.c.status,
                    slots.c.channel, slots.c.hold_expires_at)
             .where(slots.c.doctor_id == bindparam("doctor_id"),
                    slots.c.start_utc >= bindparam("begin"), slots.c.start_utc < bindparam("end"))
             .order_by(slots.c.start_utc))
# Bounded by the day's end too, so the index range covers today's slots, not all future ones.
TODAY_FREE = select(func.count()).where(
    slots.c.doctor_id == bindparam("doctor_id"), slots.c.local_date == bindparam("day"),
    slots.c.status == "free", slots.c.start_utc > bindparam("now"),
    slots.c.start_utc < bindparam("day_end"), slots.c.channel.in_(PORTAL_CHANNELS))

# Reception (staff only, never the anonymous path): free slots of any channel that have not
# started, counted per local date from the slots themselves (the counters are portal-only).
RECEPTION_FREE = (select(slots.c.local_date, func.count())
                  .where(slots.c.doctor_id == bindparam("doctor_id"),
                         slots.c.start_utc >= bindparam("begin"),
                         slots.c.start_utc < bindparam("end"),
                         slots.c.start_utc > bindparam("now"),
                         or_(slots.c.status == "free",
                             and_(slots.c.status == "held",
                                  slots.c.hold_expires_at <= bindparam("now"))))
                  .group_by(slots.c.local_date))


def day_grid(conn: Connection, doctor_id: str, first: date, last: date) -> dict:
    """(interval, free, blocked) by date from the per-day counters (one index range scan)."""
    return {row[0]: row for row in conn.execute(DAY_GRID, {"doctor_id": doctor_id,
                                                           "first": first, "last": last})}


def free_from_now(conn: Connection, doctor_id: str, day: date, now: datetime,
                  day_end: datetime) -> int:
    """Portal slots of ``day`` still free that start after ``now`` (and before ``day_end``, the
    next local midnight)."""
    return conn.execute(TODAY_FREE, {"doctor_id": doctor_id, "day": day, "now": now,
                                     "day_end": day_end}).scalar_one()


def day_slots(conn: Connection, doctor_id: str, begin: datetime, end: datetime) -> list:
    return conn.execute(DAY_SLOTS, {"doctor_id": doctor_id, "begin": begin, "end": end}).all()


def reception_free(conn: Connection, doctor_id: str, begin: datetime, end: datetime,
                   now: datetime) -> dict:
    """Free-at-reception counts by local date for slots starting in [begin, end)."""
    return dict(conn.execute(RECEPTION_FREE, {"doctor_id": doctor_id, "begin": begin,
                                              "end": end, "now": now}).all())
