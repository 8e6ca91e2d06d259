"""Parsing at the edge: request bodies and token claims become typed values (or a 422) before
any use case runs. Nothing here does I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass

from regcommon.ids import parse_slot_id
from regcommon.instants import parse_utc as parse_instant  # noqa: F401 (booking keeps UTC)

from .domain import errors

REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")
UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}\Z")
REQUIRED = "Обязательное поле"
INVALID = "Недопустимое значение"


@dataclass(frozen=True)
class BookRequest:
    slot_id: str  # the contract's decimal string
    service_id: str
    hold_id: str | None
    patient_id: str | None  # staff only: on whose behalf
    consent_version: str
    referral_id: str | None = None  # a referral-only service: the referral to use (referrals.py)


@dataclass(frozen=True)
class PatientFacts:
    """What booking needs to know about the patient: from the token's claims (patients) or
    from auth's registry (staff booking on someone's behalf)."""
    id: str
    full_name: str | None
    attachments: tuple[dict, ...]
    email: str | None
    phone: str | None
    policy_last4: str | None
    consent: str | None  # the current agreement's version if accepted, else None


def slot_id_field(body: dict, name: str, fields: dict) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        fields[name] = REQUIRED
        return None
    slot_id = parse_slot_id(value)
    if slot_id is None:
        fields[name] = INVALID
        return None
    return str(slot_id)


def _text(body: dict, name: str, pattern: re.Pattern, fields: dict, *, required: bool = True):
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # ids are strings; accept a JSON number too
    if value is None or value == "":
        if required:
            fields[name] = REQUIRED
        return None
    if not isinstance(value, str) or not pattern.match(value):
        fields[name] = INVALID
        return None
    return value


def parse_book_body(body, *, by_staff: bool) -> BookRequest:
    if not isinstance(body, dict):
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    fields: dict = {}
    slot_id = slot_id_field(body, "slot_id", fields)
    service_id = _text(body, "service_id", REF, fields)
    hold_id = _text(body, "hold_id", REF, fields, required=False)
    patient_id = _text(body, "patient_id", UUID_RE, fields) if by_staff else None
    referral_id = _text(body, "referral_id", UUID_RE, fields, required=False)
    consent = body.get("consent_version")
    if consent is not None and not isinstance(consent, (str, int)):
        fields["consent_version"] = INVALID
    if fields:
        raise errors.InvalidInput(fields=fields)
    if consent in (None, ""):
        raise errors.ConsentRequired()
    return BookRequest(slot_id=slot_id, service_id=service_id, hold_id=hold_id,
                       patient_id=patient_id, consent_version=str(consent),
                       referral_id=referral_id)


def _attachments(raw) -> tuple[dict, ...]:
    return tuple({"organization_id": str(item.get("organization_id")), "area": item.get("area")}
                 for item in raw if isinstance(item, dict))


def patient_from_claims(claims: dict) -> PatientFacts | None:
    """The patient as the token describes it; None for tokens without the patient claims
    (issued before they existed): booking then asks auth, as for staff."""
    attachments, contact = claims.get("attachments"), claims.get("contact")
    if claims.get("role") != "patient" or not isinstance(attachments, list) \
            or not isinstance(contact, dict):
        return None
    consent = claims.get("consent")
    return PatientFacts(id=str(claims["sub"]), full_name=claims.get("name"),
                        attachments=_attachments(attachments), email=contact.get("email"),
                        phone=contact.get("phone"), policy_last4=contact.get("policy_last4"),
                        consent=consent if isinstance(consent, str) else None)


def patient_from_record(record: dict) -> PatientFacts:
    """The patient as auth's ``GET /internal/patients/{id}`` answers."""
    masked = str((record.get("policy") or {}).get("masked") or "")
    digits = "".join(ch for ch in masked if ch.isdigit())
    consent = record.get("consent") or {}
    accepted = consent.get("accepted_version")
    return PatientFacts(id=str(record["id"]), full_name=record.get("full_name"),
                        attachments=_attachments(record.get("attachments") or []),
                        email=record.get("email"), phone=record.get("phone"),
                        policy_last4=digits[-4:] or None,
                        consent=accepted if accepted == consent.get("current_version") else None)
