"""SQL statements of referrals (направления). Use and give-back are single conditional UPDATEs,
so that two bookings racing for one referral cannot both use it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from regcommon.db import utcnow

from .store import insert_ignoring_conflict
from .tables import referrals

r = referrals.c


def _matches(service_id: str, specialty: str):
    """A referral for this very service, or for any service of its specialty."""
    return or_(r.service_id == service_id, and_(r.service_id.is_(None), r.specialty == specialty))


def _usable(patient_id: str, service_id: str, specialty: str, today: date):
    return and_(r.patient_id == patient_id, r.status == "active", r.expires_on >= today,
                _matches(service_id, specialty))


def use(conn: Connection, *, appointment_id: str, patient_id: str, service_id: str,
        specialty: str, today: date, referral_id: str | None) -> str | None:
    """Mark one usable referral used by the appointment; its id, or None when none was usable.
    Without ``referral_id``: the patient's earliest-expiring matching one."""
    if referral_id is not None:
        target = r.id == referral_id
    else:
        target = r.id == (select(r.id).where(_usable(patient_id, service_id, specialty, today))
                          .order_by(r.expires_on, r.issued_at, r.id).limit(1).scalar_subquery())
    statement = (update(referrals)
                 .where(target, _usable(patient_id, service_id, specialty, today))
                 .values(status="used", used_by_appointment_id=appointment_id,
                         updated_at=utcnow())
                 .returning(r.id))
    return conn.execute(statement).scalar()


def give_back(conn: Connection, appointment_id: str, today: date) -> int:
    """The cancelled appointment's referral is active again, unless it has expired."""
    return conn.execute(update(referrals).where(
        r.used_by_appointment_id == appointment_id, r.status == "used", r.expires_on >= today)
        .values(status="active", used_by_appointment_id=None, updated_at=utcnow())).rowcount


def insert(conn: Connection, row: dict) -> bool:
    """False when a referral with the same (source_system, source_number) exists already."""
    if row.get("source_system") is None:
        conn.execute(referrals.insert().values(**row))
        return True
    return insert_ignoring_conflict(conn, referrals, row)


def get(conn: Connection, referral_id: str) -> dict | None:
    row = conn.execute(select(referrals).where(r.id == referral_id)).mappings().first()
    return dict(row) if row else None


def list_for(conn: Connection, patient_id: str, organization_id: str | None = None,
             limit: int = 200) -> list[dict]:
    query = select(referrals).where(r.patient_id == patient_id)
    if organization_id:
        query = query.where(r.organization_id == organization_id)
    query = query.order_by(r.issued_at.desc(), r.id).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def cancel(conn: Connection, referral_id: str) -> int:
    return conn.execute(update(referrals).where(r.id == referral_id, r.status == "active")
                        .values(status="cancelled", updated_at=utcnow())).rowcount
