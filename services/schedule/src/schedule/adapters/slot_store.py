"""Race-free slot transitions. Every change is ONE conditional UPDATE (``... WHERE status =
'free'``) whose row count decides the winner, so the database, not Python, guarantees that a slot
is taken by at most one appointment. The per-day counters in ``doctor_days`` change in the same
transaction. Slot rows are always locked before counter rows, so transitions cannot deadlock."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime

from sqlalchemy import and_, bindparam, case, delete, exists, func, or_, select, update
from sqlalchemy.engine import Connection

from regcommon.db import utcnow

from ..domain.bookability import PORTAL_CHANNELS, as_utc
from .tables import absences, doctor_days, doctors, holds, slots

SLOT_COLUMNS = (slots.c.id, slots.c.doctor_id, slots.c.organization_id, slots.c.start_utc,
                slots.c.end_utc, slots.c.local_date, slots.c.status, slots.c.channel,
                slots.c.appointment_id, slots.c.hold_id, slots.c.hold_expires_at)


def slot_row(conn: Connection, slot_id: int) -> dict | None:
    query = (select(*SLOT_COLUMNS, doctors.c.timezone, doctors.c.service_ids)
             .join(doctors, doctors.c.id == slots.c.doctor_id).where(slots.c.id == slot_id))
    row = conn.execute(query).mappings().first()
    return _normalise(row)


def slot_of_appointment(conn: Connection, appointment_id: str) -> dict | None:
    query = (select(*SLOT_COLUMNS, doctors.c.timezone, doctors.c.service_ids)
             .join(doctors, doctors.c.id == slots.c.doctor_id)
             .where(slots.c.appointment_id == appointment_id))
    return _normalise(conn.execute(query).mappings().first())


def _normalise(row) -> dict | None:
    if row is None:
        return None
    out = dict(row)
    for key in ("start_utc", "end_utc", "hold_expires_at"):
        out[key] = as_utc(out[key])
    out["service_ids"] = json.loads(out["service_ids"])
    return out


def _channel_filter(channel: str):
    # Reception may book any channel; the portal only slots of channel any/portal.
    return True if channel == "reception" else slots.c.channel.in_(PORTAL_CHANNELS)


# The hot path's statements are built once and executed with parameters: rebuilding one per
# request costs SQLAlchemy a construction and a cache-key walk each time.
BUMP_COUNTER = (update(doctor_days)
                .where(doctor_days.c.doctor_id == bindparam("c_doctor"),
                       doctor_days.c.date == bindparam("c_date"))
                .values(free=doctor_days.c.free + bindparam("c_delta")))


def bump_counters(conn: Connection, changes: Counter) -> None:
    """Apply free-count deltas keyed by (doctor_id, date), in a stable order."""
    for (doctor_id, day), delta in sorted(changes.items()):
        if delta:
            conn.execute(BUMP_COUNTER, {"c_doctor": doctor_id, "c_date": day, "c_delta": delta})


def counts(row) -> bool:
    """Whether a slot counts in the day's portal free count."""
    return row.channel in PORTAL_CHANNELS


RETURNING = (slots.c.id, slots.c.doctor_id, slots.c.local_date, slots.c.channel)


def _taking(slot_id: int, appointment_id: str, channel: str, now: datetime):
    where = [slots.c.id == slot_id, slots.c.start_utc > now, _channel_filter(channel)]
    values = dict(status="taken", appointment_id=appointment_id, hold_id=None,
                  hold_expires_at=None, taken_at=utcnow(), version=slots.c.version + 1)
    return where, values


# The doctor's facts a take answers with, as subqueries: SQLite's RETURNING cannot name the
# tables of an UPDATE ... FROM.
_DOCTOR_FACTS = tuple(select(column).where(doctors.c.id == slots.c.doctor_id).scalar_subquery()
                      .label(column.name) for column in (doctors.c.timezone, doctors.c.service_ids))


def _take_free_statement(channel_filter):
    return (update(slots)
            .where(slots.c.id == bindparam("t_slot"), slots.c.start_utc > bindparam("t_now"),
                   channel_filter, slots.c.status == "free")
            .values(status="taken", appointment_id=bindparam("t_appointment"), hold_id=None,
                    hold_expires_at=None, taken_at=bindparam("t_taken_at"),
                    version=slots.c.version + 1)
            .returning(*SLOT_COLUMNS, *_DOCTOR_FACTS))


TAKE_FREE = {"reception": _take_free_statement(True),
             "portal": _take_free_statement(slots.c.channel.in_(PORTAL_CHANNELS))}


def take_free(conn: Connection, slot_id: int, appointment_id: str, channel: str, now: datetime,
              changes: Counter) -> dict | None:
    """The common take in one statement: a free slot becomes the appointment's, answering the
    slot's row (as ``slot_row`` reads it); None when the slot is not free (or absent)."""
    statement = TAKE_FREE["reception" if channel == "reception" else "portal"]
    row = conn.execute(statement, {"t_slot": slot_id, "t_now": now,
                                   "t_appointment": appointment_id,
                                   "t_taken_at": utcnow()}).mappings().first()
    if row is not None and row["channel"] in PORTAL_CHANNELS:
        changes[(row["doctor_id"], row["local_date"])] -= 1
    return _normalise(row)


def take(conn: Connection, slot_id: int, appointment_id: str, hold_id: str | None, channel: str,
         now: datetime, changes: Counter) -> bool:
    """Occupy the slot for the appointment; False when someone else has it (or it is not
    bookable on this channel). Free → taken decrements the day's counter; a held slot was already
    counted out when it was held."""
    return (take_free(conn, slot_id, appointment_id, channel, now, changes) is not None
            or take_held(conn, slot_id, appointment_id, hold_id, channel, now))


def take_held(conn: Connection, slot_id: int, appointment_id: str, hold_id: str | None,
              channel: str, now: datetime) -> bool:
    """Take a slot held by this hold (or by an expired one); its day's count already left."""
    base, values = _taking(slot_id, appointment_id, channel, now)
    held_ok = slots.c.hold_expires_at <= now
    if hold_id:
        held_ok = or_(held_ok, slots.c.hold_id == hold_id)
    row = conn.execute(update(slots).where(*base, slots.c.status == "held", held_ok)
                       .values(**values).returning(*RETURNING)).first()
    if row is None:
        return False
    conn.execute(update(holds).where(holds.c.slot_id == slot_id, holds.c.released.is_(False))
                 .values(released=True))
    return True


def release(conn: Connection, slot_id: int, appointment_id: str, changes: Counter) -> str | None:
    """Free the slot of the appointment (blocked again if an absence covers its day). Returns the
    new status, or None when the appointment did not occupy it (already released)."""
    covered = exists().where(absences.c.doctor_id == slots.c.doctor_id,
                             absences.c.date_from <= slots.c.local_date,
                             absences.c.date_to >= slots.c.local_date)
    row = conn.execute(
        update(slots).where(slots.c.id == slot_id, slots.c.appointment_id == appointment_id)
        .values(status=case((covered, "blocked"), else_="free"), appointment_id=None,
                hold_id=None, hold_expires_at=None, taken_at=None, version=slots.c.version + 1)
        .returning(*RETURNING, slots.c.status)).first()
    if row is None:
        return None
    if row.status == "free" and conn.dialect.name == "postgresql":
        # An absence committed while we waited for the slot's lock is invisible to the
        # UPDATE's snapshot; a new statement sees it (add_absence locks the slots it covers).
        again = conn.execute(update(slots).where(slots.c.id == slot_id, slots.c.status == "free",
                                                 covered)
                             .values(status="blocked").returning(slots.c.status)).first()
        if again is not None:
            return again.status
    if row.status == "free" and counts(row):
        changes[(row.doctor_id, row.local_date)] += 1
    return row.status


def takes_between(conn: Connection, *, since: datetime | None, after_id: int, until: datetime,
                  limit: int) -> list[dict]:
    """Slots taken in (since, after_id) .. until, in (taken_at, id) order (keyset paging)."""
    cond = [slots.c.taken_at.is_not(None), slots.c.taken_at <= until]
    if since is not None:
        cond.append(or_(slots.c.taken_at > since,
                        and_(slots.c.taken_at == since, slots.c.id > after_id)))
    query = (select(slots.c.id, slots.c.appointment_id, slots.c.taken_at).where(*cond)
             .order_by(slots.c.taken_at, slots.c.id).limit(limit))
    return [{"slot_id": row.id, "appointment_id": row.appointment_id,
             "taken_at": as_utc(row.taken_at)} for row in conn.execute(query)]


def hold(conn: Connection, slot_id: int, hold_id: str, expires_at: datetime, now: datetime,
         changes: Counter) -> bool:
    """Hold a portal-bookable slot; an expired hold of someone else may be taken over."""
    base = [slots.c.id == slot_id, slots.c.start_utc > now, slots.c.channel.in_(PORTAL_CHANNELS)]
    values = dict(status="held", hold_id=hold_id, hold_expires_at=expires_at,
                  version=slots.c.version + 1)
    row = conn.execute(update(slots).where(*base, slots.c.status == "free")
                       .values(**values).returning(*RETURNING)).first()
    if row is not None:
        changes[(row.doctor_id, row.local_date)] -= 1
        return True
    row = conn.execute(update(slots).where(*base, slots.c.status == "held",
                                           slots.c.hold_expires_at <= now)
                       .values(**values).returning(*RETURNING)).first()
    if row is None:
        return False
    conn.execute(update(holds).where(holds.c.slot_id == slot_id, holds.c.id != hold_id,
                                     holds.c.released.is_(False)).values(released=True))
    return True


def unhold(conn: Connection, slot_id: int, hold_id: str, changes: Counter) -> bool:
    """Give a held slot back (only if this hold still has it)."""
    row = conn.execute(update(slots).where(slots.c.id == slot_id, slots.c.hold_id == hold_id,
                                           slots.c.status == "held")
                       .values(status="free", hold_id=None, hold_expires_at=None,
                               version=slots.c.version + 1)
                       .returning(*RETURNING)).first()
    if row is None:
        return False
    if counts(row):
        changes[(row.doctor_id, row.local_date)] += 1
    return True


def expire_holds(conn: Connection, now: datetime, limit: int = 1000) -> int:
    """Return expired holds' slots to the free pool; returns how many slots were freed."""
    ids = select(slots.c.id).where(slots.c.status == "held",
                                   slots.c.hold_expires_at <= now).limit(limit)
    if conn.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    rows = conn.execute(update(slots).where(slots.c.id.in_(ids.scalar_subquery()),
                                            slots.c.status == "held",
                                            slots.c.hold_expires_at <= now)
                        .values(status="free", hold_id=None, hold_expires_at=None,
                                version=slots.c.version + 1)
                        .returning(*RETURNING)).all()
    changes: Counter = Counter()
    for row in rows:
        if counts(row):
            changes[(row.doctor_id, row.local_date)] += 1
    bump_counters(conn, changes)
    conn.execute(update(holds).where(holds.c.released.is_(False), holds.c.expires_at <= now)
                 .values(released=True))
    return len(rows)


def delete_expired_holds(conn: Connection, expired_before: datetime) -> int:
    """Forget holds that expired before the moment (their slots were freed or taken long ago)."""
    return conn.execute(delete(holds).where(holds.c.expires_at < expired_before)).rowcount


def recount_day(conn: Connection, doctor_id: str, day: date) -> None:
    """Recompute a day's counters from its slots (after bulk changes: absences, quotas)."""
    if conn.dialect.name == "postgresql":
        # Lock the day's slots first (the order of every transition): a take still in flight
        # commits before we count, else our stale count would overwrite its counter change.
        conn.execute(select(slots.c.id).where(slots.c.doctor_id == doctor_id,
                                              slots.c.local_date == day)
                     .order_by(slots.c.id).with_for_update())
    total = func.count()
    free = func.sum(case((and_(slots.c.status == "free",
                              slots.c.channel.in_(PORTAL_CHANNELS)), 1), else_=0))
    row = conn.execute(select(total, free).where(slots.c.doctor_id == doctor_id,
                                                 slots.c.local_date == day)).first()
    conn.execute(update(doctor_days).where(doctor_days.c.doctor_id == doctor_id,
                                           doctor_days.c.date == day)
                 .values(total=row[0] or 0, free=row[1] or 0))

