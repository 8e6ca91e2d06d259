"""What a patient's access token tells the other services about the patient, so that booking
needs no call to auth on the hot path (internal-contracts.md, "Token claims").

Kept small (a few hundred bytes). The facts are those at the token's issue: tokens are
short-lived, and the OMS login, the ESIA callback and a consent acceptance each issue a fresh one.
"""
from __future__ import annotations

from .domain.consent import CONSENT_VERSION
from .ports import AuthUnitOfWork


def policy_last4(number: str | None) -> str | None:
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return digits[-4:] or None


def patient_claims(uow: AuthUnitOfWork, patient_id: str) -> dict:
    """``attachments``, ``contact`` and ``consent`` (the current agreement's version when the
    patient has accepted it and not withdrawn since, else null)."""
    row = uow.patient_contact(patient_id)
    links = uow.attachment_links(patient_id)
    accepted = uow.accepted_consent_version(patient_id)
    return {
        "attachments": [{"organization_id": org, "area": area} for org, area in links],
        "contact": {"email": row.email if row else None, "phone": row.phone if row else None,
                    "policy_last4": policy_last4(row.policy_number) if row else None},
        "consent": accepted if accepted == CONSENT_VERSION else None,
    }
