"""What a patient's access token tells the other services about the patient, so that booking
needs no call to auth on the hot path (internal-contracts.md, "Token claims").

Kept small (a few hundred bytes). The facts are those at the token's issue: tokens are
short-lived, and the OMS login, the ESIA callback and a consent acceptance each issue a fresh one.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .adapters import patients_db
from .adapters.tables import patients
from .domain.consent import CONSENT_VERSION


def policy_last4(number: str | None) -> str | None:
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return digits[-4:] or None


def patient_claims(session: Session, patient_id: str) -> dict:
    """``attachments``, ``contact`` and ``consent`` (the current agreement's version when the
    patient has accepted it and not withdrawn since, else null)."""
    row = session.execute(select(patients.c.phone, patients.c.email, patients.c.policy_number)
                          .where(patients.c.id == patient_id)).first()
    links = patients_db.attachment_links(session, patient_id)
    accepted = patients_db.accepted_consent_version(session, patient_id)
    return {
        "attachments": [{"organization_id": org, "area": area} for org, area in links],
        "contact": {"email": row.email if row else None, "phone": row.phone if row else None,
                    "policy_last4": policy_last4(row.policy_number) if row else None},
        "consent": accepted if accepted == CONSENT_VERSION else None,
    }
