"""The earliest search over many doctors (PostgreSQL): walk the region's portal-bookable slots in
start order (``ix_slots_bookable_start``) and keep those of the wanted doctors.

Probing each doctor's day costs the same for every doctor of the set, ~1,800 for a region-wide
therapist search, however few slots the answer needs. The walk costs what it reads: with the
wanted doctors a share ``n / total`` of the region, ``limit`` matches come after about
``limit × total / n`` bookable slots (17 for the therapists). So it is taken only where that is
small, and it is bounded: past ``BUDGET`` slots read (the wanted doctors booked out while the
others are not) the caller goes on from the counters (schedule/earliest.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from .adapters import earliest_reads as reads

MIN_DOCTORS = 50      # below, the counters and a LATERAL over the doctor-days cost less
MAX_EXPECTED = 1000   # slots the walk may expect to read for the answer
PAGE_MIN, PAGE_MAX = 32, 1000
BUDGET = 4000         # slots read before handing over to the counters


def worth_walking(conn: Connection, members: int, total: int, limit: int) -> bool:
    """Whether ``members`` doctors of the region's ``total`` are many enough to walk for."""
    return conn.dialect.name == "postgresql" and members >= MIN_DOCTORS and \
        limit * total <= MAX_EXPECTED * members


def walk(conn: Connection, members, begin: datetime, end: datetime, after: datetime,
         now: datetime, limit: int, total: int) -> tuple[list, tuple | None]:
    """(found, key): the first ``limit`` bookable slots of the doctors ``members`` (a set) in
    [begin, end) after ``after``, by start then doctor, and None; or, when the budget ran out
    first, every match up to ``key`` (the (start, doctor) read last) and that key."""
    found: list = []
    size = max(PAGE_MIN, min(PAGE_MAX, 2 * limit * total // max(len(members), 1)))
    key = None
    read = 0
    while True:
        rows = reads.bookable_page(conn, begin, end, after, now, key, size)
        for row in rows:
            if row.doctor_id in members:
                found.append(row)
                if len(found) == limit:
                    return found, None
        if len(rows) < size:
            return found, None
        key = (rows[-1].start_utc, rows[-1].doctor_id)
        read += len(rows)
        if read >= BUDGET:
            return found, key
        size = min(PAGE_MAX, size * 2)
