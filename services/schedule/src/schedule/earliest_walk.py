"""The earliest search over many doctors (PostgreSQL): walk the region's slots in start order
(``ix_slots_start_doctor``) and keep the bookable ones of the wanted doctors.

Probing each doctor's day costs the same for every doctor of the set, ~1,800 for a region-wide
therapist search, however few slots the answer needs. The walk costs what it reads: with the
wanted doctors ``n`` of the region's ``total``, ``limit`` matches come after about
``limit × total / n`` slots (17 for the therapists, all free). Measured on the scale-1 region, a
walked slot costs ~3 µs and a doctor's probes (counter and first slots) ~20 µs, so the walk is
taken where ``limit × total / n < 8 × n`` (and n ≥ 50), and it is bounded: past ``BUDGET`` slots read (the wanted
doctors' first days booked out) the caller goes on from the counters (schedule/earliest.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from .adapters import earliest_reads as reads

MIN_DOCTORS = 50      # below, the counters and a LATERAL over the doctor-days cost less
RATIO = 8             # a doctor's probes over a walked slot, in time
PAGE_MIN, PAGE_MAX = 32, 1000
BUDGET = 4000         # slots read before handing over to the counters


def worth_walking(conn: Connection, members: int, total: int, limit: int) -> bool:
    """Whether ``members`` doctors of the region's ``total`` are many enough to walk for."""
    return conn.dialect.name == "postgresql" and members >= MIN_DOCTORS and \
        limit * total <= RATIO * members * members


def walk(conn: Connection, members, begin: datetime, end: datetime, after: datetime,
         now: datetime, limit: int, total: int) -> tuple[list, datetime | None]:
    """(found, stop): the first ``limit`` bookable slots of the doctors ``members`` (a set) in
    [begin, end) after ``after``, by start then doctor, and None; or, when the budget ran out
    first, every match up to the slot read last and that slot's start."""
    matches: list[int] = []
    size = max(PAGE_MIN, min(PAGE_MAX, 2 * limit * total // max(len(members), 1)))
    key = None
    read = 0
    while True:
        rows = reads.bookable_page(conn, begin, end, after, now, key, size)
        for row in rows:
            if row.bookable and row.doctor_id in members:
                matches.append(row.id)
                if len(matches) == limit:
                    return reads.slots_by_id(conn, matches), None
        if len(rows) < size:
            return reads.slots_by_id(conn, matches), None
        key = (rows[-1].id, rows[-1].doctor_id)
        read += len(rows)
        if read >= BUDGET:
            last = reads.slots_by_id(conn, [key[0]])
            return reads.slots_by_id(conn, matches), last[0].start_utc if last else begin
        size = min(PAGE_MAX, size * 2)
