"""Use cases of the reception: register, edit, attach, find patients; the patient's own card."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from regcommon.db import session_scope

from .adapters import patients_db
from .domain.errors import DuplicatePatient, Forbidden, InvalidInput, PatientNotFound
from .domain.fields import parse_birth_date
from .domain.patients import PatientData
from .services import Context, today


def _check_organization(claims: dict, data: PatientData) -> None:
    """A registrar registers and attaches only into their own organization; an admin anywhere."""
    if claims.get("role") == "admin" or data.attachment is None:
        return
    if data.attachment.organization_id != claims.get("organization_id"):
        raise Forbidden()


def register(ctx: Context, claims: dict, data: PatientData) -> dict:
    _check_organization(claims, data)
    try:
        with session_scope(ctx.sessions) as session:
            if patients_db.policy_taken(session, data.policy):
                raise DuplicatePatient()
            patient_id = patients_db.insert_patient(session, data)
    except IntegrityError:
        # Two registrars raced on the same policy: the unique index decided.
        raise DuplicatePatient() from None
    return get(ctx, patient_id)


def edit(ctx: Context, claims: dict, patient_id: str, data: PatientData) -> dict:
    _check_organization(claims, data)
    try:
        with session_scope(ctx.sessions) as session:
            if patients_db.load(session, patient_id) is None:
                raise PatientNotFound()
            if data.policy is not None and patients_db.policy_taken(session, data.policy,
                                                                    except_id=patient_id):
                raise DuplicatePatient()
            patients_db.update_patient(session, patient_id, data)
    except IntegrityError:
        raise DuplicatePatient() from None
    return get(ctx, patient_id)


def get(ctx: Context, patient_id: str) -> dict:
    with session_scope(ctx.sessions) as session:
        patient = patients_db.load(session, patient_id)
    if patient is None:
        raise PatientNotFound()
    return patient


def find(ctx: Context, args: dict) -> list[dict]:
    policy = (args.get("policy_number") or "").strip()
    last_name = (args.get("last_name") or "").strip()
    birth_raw = (args.get("birth_date") or "").strip()
    if not (policy or last_name or birth_raw):
        raise InvalidInput({"_schema": "Укажите номер полиса, фамилию или дату рождения"})
    errors = {}
    policy_digits = "".join(ch for ch in policy if not ch.isspace() and ch not in "-№")
    if policy and (not policy_digits.isdigit() or len(policy_digits) > 20):
        errors["policy_number"] = "Номер полиса — только цифры"
    birth = None
    if birth_raw:
        try:
            birth = parse_birth_date(birth_raw, today())
        except ValueError as exc:
            errors["birth_date"] = str(exc)
    if len(last_name) > 100:
        errors["last_name"] = "Слишком длинная фамилия"
    if errors:
        raise InvalidInput(errors)
    with session_scope(ctx.sessions) as session:
        return patients_db.search(session, policy_number=policy_digits or None,
                                  last_name=last_name or None, birth_date=birth)


def me(ctx: Context, patient_id: str) -> dict:
    patient = get(ctx, patient_id)
    return {key: patient[key] for key in ("id", "full_name", "birth_date", "attachments")}
