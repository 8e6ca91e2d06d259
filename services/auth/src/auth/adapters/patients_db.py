"""Reading and writing patients with their documents and attachments."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from regcommon.db import new_id, utcnow

from ..domain.fields import full_name, search_key
from ..domain.patients import PatientData
from .tables import attachments, consents, identity_documents, patients

SCALARS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email")


def policy_taken(session: Session, policy, except_id: str | None = None) -> bool:
    query = select(patients.c.id).where(patients.c.policy_type == policy.type,
                                        patients.c.policy_series == policy.series,
                                        patients.c.policy_number == policy.number)
    if except_id:
        query = query.where(patients.c.id != except_id)
    return session.execute(query).first() is not None


def insert_patient(session: Session, data: PatientData, patient_id: str | None = None) -> str:
    patient_id = patient_id or new_id()
    now = utcnow()
    session.execute(insert(patients).values(
        id=patient_id, **{name: getattr(data, name) for name in SCALARS},
        last_name_key=search_key(data.last_name), policy_type=data.policy.type,
        policy_series=data.policy.series, policy_number=data.policy.number, snils=data.snils,
        created_at=now, updated_at=now))
    _replace_documents(session, patient_id, data.identity_documents or [])
    if data.attachment:
        attach(session, patient_id, data.attachment)
    return patient_id


def update_patient(session: Session, patient_id: str, data: PatientData) -> None:
    values = {name: getattr(data, name) for name in SCALARS if name in data.present}
    if "last_name" in values:
        values["last_name_key"] = search_key(values["last_name"])
    if data.policy is not None:
        values.update(policy_type=data.policy.type, policy_series=data.policy.series,
                      policy_number=data.policy.number)
    if data.identity_documents is not None:
        values["snils"] = data.snils
        _replace_documents(session, patient_id, data.identity_documents)
    if data.attachment:
        attach(session, patient_id, data.attachment)
    values["updated_at"] = utcnow()
    session.execute(update(patients).where(patients.c.id == patient_id).values(**values))


def _replace_documents(session: Session, patient_id: str, documents: list[tuple[str, str]]) -> None:
    session.execute(delete(identity_documents).where(identity_documents.c.patient_id == patient_id))
    for doc_type, number in documents:
        session.execute(insert(identity_documents).values(patient_id=patient_id, type=doc_type,
                                                          number=number))


def attach(session: Session, patient_id: str, attachment) -> None:
    """Attach to an organization (one row per organization; a new area replaces the old)."""
    session.execute(delete(attachments).where(
        attachments.c.patient_id == patient_id,
        attachments.c.organization_id == attachment.organization_id))
    session.execute(insert(attachments).values(patient_id=patient_id,
                                               organization_id=attachment.organization_id,
                                               area=attachment.area, attached_at=utcnow()))


def find_by_policy(session: Session, policy):
    return session.execute(select(patients).where(
        patients.c.policy_type == policy.type, patients.c.policy_series == policy.series,
        patients.c.policy_number == policy.number)).first()


def identity_numbers(session: Session, patient_id: str, doc_type: str) -> list[str]:
    return [row.number for row in session.execute(select(identity_documents.c.number).where(
        identity_documents.c.patient_id == patient_id, identity_documents.c.type == doc_type))]


def load(session: Session, patient_id: str) -> dict | None:
    row = session.execute(select(patients).where(patients.c.id == patient_id)).first()
    return _view(session, row) if row else None


def attachment_links(session: Session, patient_id: str) -> list[tuple[str, str | None]]:
    """(organization_id, area) of each attachment, in a stable order."""
    return [(a.organization_id, a.area) for a in session.execute(
        select(attachments.c.organization_id, attachments.c.area)
        .where(attachments.c.patient_id == patient_id).order_by(attachments.c.organization_id))]


def accepted_consent_version(session: Session, patient_id: str) -> str | None:
    """The version the patient accepted last, or None if none or withdrawn since."""
    row = session.execute(select(consents.c.action, consents.c.version)
                          .where(consents.c.patient_id == patient_id)
                          .order_by(consents.c.created_at.desc(), consents.c.id)
                          .limit(1)).first()
    if row is None or row.action != "accepted":
        return None
    return row.version


def _view(session: Session, row) -> dict:
    docs = session.execute(select(identity_documents.c.type, identity_documents.c.number)
                           .where(identity_documents.c.patient_id == row.id)
                           .order_by(identity_documents.c.type)).all()
    links = attachment_links(session, row.id)
    return {
        "id": row.id, "full_name": full_name(row.last_name, row.first_name, row.middle_name),
        "last_name": row.last_name, "first_name": row.first_name, "middle_name": row.middle_name,
        "birth_date": row.birth_date.isoformat(), "sex": row.sex, "phone": row.phone,
        "email": row.email,
        "policy": {"type": row.policy_type, "series": row.policy_series or None,
                   "number": row.policy_number},
        "identity_documents": [{"type": d.type, "number": d.number} for d in docs],
        "attachments": [{"organization_id": org, "area": area} for org, area in links],
        "esia_linked": row.esia_oid is not None,
    }


def display_name(row) -> str:
    return full_name(row.last_name, row.first_name, row.middle_name)


def search(session: Session, *, policy_number: str | None, last_name: str | None,
           birth_date: date | None, organization_id: str | None = None,
           limit: int = 50) -> list[dict]:
    """Patients matching every filter given; only those attached to ``organization_id`` if set."""
    query = select(patients)
    if organization_id is not None:
        query = query.where(patients.c.id.in_(select(attachments.c.patient_id).where(
            attachments.c.organization_id == organization_id)))
    if policy_number:
        query = query.where(patients.c.policy_number == policy_number)
    if last_name:
        query = query.where(patients.c.last_name_key == search_key(last_name))
    if birth_date:
        query = query.where(patients.c.birth_date == birth_date)
    rows = session.execute(query.order_by(patients.c.last_name_key, patients.c.first_name,
                                          patients.c.id).limit(limit)).all()
    return [_view(session, row) for row in rows]


def attached_organizations(session: Session, patient_id: str) -> set[str]:
    return {row.organization_id for row in session.execute(
        select(attachments.c.organization_id).where(attachments.c.patient_id == patient_id))}


def find_for_esia(session: Session, *, oid: str, snils: str | None, policy_numbers: list[str]):
    """The registry's patient for an ESIA person: by a linked oid, then SNILS, then policy."""
    row = session.execute(select(patients).where(patients.c.esia_oid == oid)).first()
    if row is None and snils:
        row = session.execute(select(patients).where(patients.c.snils == snils)
                              .order_by(patients.c.created_at).limit(1)).first()
    for number in policy_numbers:
        if row is not None:
            break
        row = session.execute(select(patients).where(patients.c.policy_number == number)
                              .order_by(patients.c.created_at).limit(1)).first()
    return row


def link_esia(session: Session, patient_id: str, oid: str) -> None:
    session.execute(update(patients).where(patients.c.id == patient_id,
                                           patients.c.esia_oid.is_(None)).values(esia_oid=oid))
