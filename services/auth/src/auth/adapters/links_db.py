"""Reading and writing the links between patients (issue 12)."""
from __future__ import annotations

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from regcommon.db import new_id, utcnow

from ..domain.fields import full_name
from .tables import identity_documents, patient_links, patients

L = patient_links.c


def insert_link(session: Session, *, holder_id: str, subject_id: str, kind: str, status: str,
                confirmed_by: str | None = None) -> str:
    link_id = new_id()
    now = utcnow()
    session.execute(insert(patient_links).values(
        id=link_id, holder_patient_id=holder_id, subject_patient_id=subject_id, kind=kind,
        status=status, created_at=now, confirmed_by=confirmed_by,
        confirmed_at=now if status == "confirmed" else None))
    return link_id


def get(session: Session, link_id: str):
    return session.execute(select(patient_links).where(L.id == link_id)).first()


def open_links_between(session: Session, holder_id: str, subject_id: str) -> list:
    """Links of the pair not ended in the table (a child's may still have ended by age)."""
    return session.execute(select(patient_links).where(
        L.holder_patient_id == holder_id, L.subject_patient_id == subject_id,
        L.status != "ended")).all()


def links_of(session: Session, patient_id: str) -> list:
    """Every link where the patient is holder, and every open one where they are subject."""
    return session.execute(select(patient_links).where(or_(
        L.holder_patient_id == patient_id,
        and_(L.subject_patient_id == patient_id, L.status != "ended")))
        .order_by(L.created_at, L.id)).all()


def links_touching(session: Session, patient_id: str) -> list:
    """Every link of the patient, on either side (the reception's view of the card)."""
    return session.execute(select(patient_links).where(or_(
        L.holder_patient_id == patient_id, L.subject_patient_id == patient_id))
        .order_by(L.created_at, L.id)).all()


def set_status(session: Session, link_id: str, *, status: str, from_statuses: tuple[str, ...],
               confirmed_by: str | None = None, end_reason: str | None = None) -> bool:
    """Move the link on (only from ``from_statuses``): whether it moved."""
    values: dict = {"status": status}
    if status == "confirmed":
        values.update(confirmed_by=confirmed_by, confirmed_at=utcnow())
    if status == "ended":
        values.update(ended_at=utcnow(), end_reason=end_reason)
    moved = session.execute(update(patient_links).where(
        L.id == link_id, L.status.in_(from_statuses)).values(**values)).rowcount
    return bool(moved)


def people(session: Session, ids: set[str]) -> dict[str, dict]:
    """id → {id, full_name, birth_date (a date)} of the patients named."""
    if not ids:
        return {}
    rows = session.execute(select(patients.c.id, patients.c.last_name, patients.c.first_name,
                                  patients.c.middle_name, patients.c.birth_date)
                           .where(patients.c.id.in_(sorted(ids)))).all()
    return {row.id: {"id": row.id, "birth_date": row.birth_date,
                     "full_name": full_name(row.last_name, row.first_name, row.middle_name)}
            for row in rows}


def birth_certificates(session: Session, patient_id: str) -> list[str]:
    return [row.number for row in session.execute(select(identity_documents.c.number).where(
        identity_documents.c.patient_id == patient_id,
        identity_documents.c.type == "birth_certificate"))]
