"""Statements of attendance marks and booking suspensions (SQLAlchemy Core)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.engine import Connection, Engine

from regcommon.db import new_id, utcnow

from .tables import appointments, booking_suspensions

a = appointments.c
s = booking_suspensions.c


def lock_patient(conn: Connection, patient_id: str, organization_id: str) -> None:
    """Serialize the marks of one patient in one organization until the transaction ends: two
    marks at once would each count without the other's and neither reach the limit. (SQLite
    serializes writing transactions by itself.)"""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"no-show\n{patient_id}\n{organization_id}".encode()).digest()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                 {"key": int.from_bytes(digest[:8], "big", signed=True)})


def set_attendance(conn: Connection, appointment_id: str, value: str, *, at: datetime,
                   by: str) -> int:
    result = conn.execute(update(appointments)
                          .where(a.id == appointment_id, a.status == "booked")
                          .values(attendance=value, attendance_marked_at=at,
                                  attendance_marked_by=by, updated_at=utcnow()))
    return result.rowcount


def no_show_starts(conn: Connection, patient_id: str, organization_id: str, since: datetime,
                   until: datetime) -> list[datetime]:
    """Starts of the patient's booked appointments marked no_show within [since, until]."""
    query = select(a.start_utc).where(a.patient_id == patient_id,
                                      a.organization_id == organization_id,
                                      a.status == "booked", a.attendance == "no_show",
                                      a.start_utc >= since, a.start_utc <= until)
    return list(conn.execute(query).scalars())


def _active(now: datetime):
    return and_(s.lifted_at.is_(None), s.starts_at <= now, s.ends_at > now)


def active_suspension(conn: Connection, patient_id: str, organization_id: str,
                      now: datetime) -> dict | None:
    query = (select(booking_suspensions)
             .where(s.patient_id == patient_id, s.organization_id == organization_id,
                    _active(now))
             .order_by(s.ends_at.desc()).limit(1))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def active_suspensions_of(conn: Connection, patient_id: str, now: datetime) -> list[dict]:
    query = (select(booking_suspensions).where(s.patient_id == patient_id, _active(now))
             .order_by(s.ends_at))
    return [dict(r) for r in conn.execute(query).mappings()]


def add_suspension(conn: Connection, **values) -> dict:
    row = {"id": new_id(), "lifted_at": None, "created_at": utcnow(), **values}
    conn.execute(booking_suspensions.insert().values(**row))
    return row


def lift(conn: Connection, suspension_id: str, now: datetime) -> None:
    """Ended early (a correction): it stays in the table, inactive from now on."""
    conn.execute(update(booking_suspensions).where(s.id == suspension_id)
                 .values(lifted_at=now, ends_at=now))


def booked_between(conn: Connection, organization_id: str, since: datetime, until: datetime,
                   doctor_id: str | None = None, limit: int = 1000) -> list[dict]:
    query = select(appointments).where(a.organization_id == organization_id,
                                       a.status == "booked", a.start_utc >= since,
                                       a.start_utc < until)
    if doctor_id:
        query = query.where(a.doctor_id == doctor_id)
    query = query.order_by(a.start_utc, a.doctor_id).limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


def counts_by_doctor(conn: Connection, organization_id: str, since: datetime,
                     until: datetime) -> dict[str, dict[str, int]]:
    """{doctor_id: {"attended": n, "no_show": n, "unmarked": n}} of booked appointments that
    started within [since, until)."""
    query = (select(a.doctor_id, a.attendance, func.count())
             .where(a.organization_id == organization_id, a.status == "booked",
                    a.start_utc >= since, a.start_utc < until)
             .group_by(a.doctor_id, a.attendance))
    found: dict[str, dict[str, int]] = {}
    for doctor_id, attendance, count in conn.execute(query):
        entry = found.setdefault(doctor_id, {"attended": 0, "no_show": 0, "unmarked": 0})
        entry[attendance or "unmarked"] = entry.get(attendance or "unmarked", 0) + int(count)
    return found


def doctor_names(conn: Connection, organization_id: str, doctor_ids: list[str]) -> dict[str, str]:
    """The doctors' names as the latest of their appointments froze them."""
    names: dict[str, str] = {}
    for doctor_id in doctor_ids:
        snapshot = conn.execute(select(a.snapshot).where(a.organization_id == organization_id,
                                                         a.doctor_id == doctor_id)
                                .order_by(a.start_utc.desc()).limit(1)).scalar()
        names[doctor_id] = ((snapshot or {}).get("doctor") or {}).get("full_name") or doctor_id
    return names


class SqlSuspensions:
    """The one read of the book path: is the patient's online booking suspended here now?"""

    def __init__(self, engine: Engine):
        self.engine = engine

    def active(self, patient_id: str, organization_id: str, now: datetime) -> dict | None:
        with self.engine.connect() as conn:
            return active_suspension(conn, patient_id, organization_id, now)
