"""The two reads of the earliest search (schedule/earliest.py), each built for its database.

PostgreSQL gets the doctor ids as one array parameter (``= ANY``) and reads each doctor-day's
first free slots with a LATERAL subquery that walks the ``(doctor_id, start_utc)`` index and
stops after ``limit`` rows per doctor, so a region-wide search reads a few rows per doctor, not
the whole day. SQLite (embedded, small) takes the portable form.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import String, and_, any_, bindparam, literal, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from ..domain.bookability import PORTAL_CHANNELS
from .tables import doctor_days, slots


def _member(conn: Connection, column, ids: list[str]):
    if conn.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(String)))
    return column.in_(list(ids))


def day_counters(conn: Connection, day: date, ids: list[str]) -> list[tuple[str, int]]:
    """(doctor, free) of the doctors whose counter for ``day`` shows free portal slots."""
    query = (select(doctor_days.c.doctor_id, doctor_days.c.free)
             .where(doctor_days.c.date == day, _member(conn, doctor_days.c.doctor_id, ids),
                    doctor_days.c.free > 0, doctor_days.c.blocked.is_(False))
             .order_by(doctor_days.c.doctor_id))
    return [tuple(row) for row in conn.execute(query)]


# Each doctor-day by its local date, the batch's outer bounds [lo, hi) the same for every row.
LATERAL = text("""
SELECT s.id, s.doctor_id, s.organization_id, s.start_utc, s.end_utc, s.local_date
FROM unnest(CAST(:ids AS varchar[]), CAST(:days AS date[])) AS d(doctor_id, day)
CROSS JOIN LATERAL (
  SELECT id, doctor_id, organization_id, start_utc, end_utc, local_date FROM slots
  WHERE slots.doctor_id = d.doctor_id AND slots.local_date = d.day
    AND slots.start_utc >= :lo AND slots.start_utc < :hi
    AND slots.start_utc > :after AND slots.start_utc < :until
    AND slots.channel IN ('any', 'portal')
    AND (slots.status = 'free' OR (slots.status = 'held' AND slots.hold_expires_at <= :now))
  ORDER BY slots.start_utc LIMIT :k) AS s
ORDER BY s.start_utc, s.doctor_id LIMIT :k
""")
assert set(PORTAL_CHANNELS) == {"any", "portal"}  # spelled out in LATERAL
FAR = datetime(9999, 1, 1, tzinfo=timezone.utc)


def first_free(conn: Connection, ranges: list[tuple[str, date, datetime, datetime]],
               after: datetime, until: datetime | None, now: datetime, limit: int) -> list:
    """The first ``limit`` bookable slots of the (doctor, date, begin, end) doctor-days, by
    start then doctor: free portal slots (or held with an expired hold) starting after
    ``after``."""
    if conn.dialect.name == "postgresql":
        return conn.execute(LATERAL, {
            "ids": [r[0] for r in ranges], "days": [r[1] for r in ranges],
            "lo": min(r[2] for r in ranges), "hi": max(r[3] for r in ranges), "after": after,
            "until": until or FAR, "now": now, "k": limit}).all()
    spans = [and_(slots.c.doctor_id == doctor_id, slots.c.start_utc >= begin,
                  slots.c.start_utc < end) for doctor_id, _day, begin, end in ranges]
    conditions = [or_(*spans), slots.c.start_utc > after, slots.c.channel.in_(PORTAL_CHANNELS),
                  or_(slots.c.status == "free",
                      and_(slots.c.status == "held", slots.c.hold_expires_at <= bindparam("now")))]
    if until is not None:
        conditions.append(slots.c.start_utc < until)
    query = (select(slots.c.id, slots.c.doctor_id, slots.c.organization_id, slots.c.start_utc,
                    slots.c.end_utc, slots.c.local_date)
             .where(*conditions).order_by(slots.c.start_utc, slots.c.doctor_id).limit(limit))
    return conn.execute(query, {"now": now}).all()


# The walk (PostgreSQL): the region's slots in (start, doctor) order along ix_slots_start_doctor,
# one page at a time after the last (start, doctor) seen, each with whether the portal may book
# it. A page is (id, doctor, bookable) only: most of its slots are other doctors', and reading
# their times into Python cost more than the walk itself; the matches' rows are read by id
# afterwards. ``size`` bounds the slots read, bookable or not.
_WALK = """
SELECT id, doctor_id, channel IN ('any', 'portal')
         AND (status = 'free' OR (status = 'held' AND hold_expires_at <= :now)) AS bookable
FROM slots
WHERE start_utc > :after AND start_utc >= :begin AND start_utc < :end {after_key}
ORDER BY start_utc, doctor_id LIMIT :size
"""
WALK_FIRST = text(_WALK.format(after_key=""))
WALK_NEXT = text(_WALK.format(after_key=(
    "AND (start_utc, doctor_id) > ((SELECT k.start_utc FROM slots AS k WHERE k.id = :key_id),"
    " :key_doctor)")))
BY_ID = text("""
SELECT id, doctor_id, organization_id, start_utc, end_utc, local_date FROM slots
WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY start_utc, doctor_id
""")


def bookable_page(conn: Connection, begin: datetime, end: datetime, after: datetime,
                  now: datetime, key: tuple | None, size: int) -> list:
    """Up to ``size`` (id, doctor, bookable) of the slots of any doctor starting in [begin, end)
    and after ``after``, by start then doctor, past ``key`` (the (id, doctor) of the last one
    seen); bookable: a portal channel, free or held with an expired hold."""
    params = {"begin": begin, "end": end, "after": after, "now": now, "size": size}
    if key is None:
        return conn.execute(WALK_FIRST, params).all()
    return conn.execute(WALK_NEXT, {**params, "key_id": key[0], "key_doctor": key[1]}).all()


def slots_by_id(conn: Connection, ids: list[int]) -> list:
    """The rows of the slots ``ids`` (as first_free's), by start then doctor."""
    return conn.execute(BY_ID, {"ids": ids}).all() if ids else []
