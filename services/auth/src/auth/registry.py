"""Use cases of the reception: register, edit, attach, find patients; the patient's own card.

A registrar works inside their own organization: they find, read and edit only the patients
attached to it (someone else's patient is "not found", as api.md wants), register and attach
only into it, and reach a newcomer registered elsewhere only through the exact-policy lookup.
A region admin works region-wide. Every call is written to the audit trail (``ctx.audit``, in
the database: adapters/audit_db); the records are read and written in units of work of
``ctx.records`` (ports.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from .context import Context
from .domain.actor import Actor
from .domain.documents import mask_policy
from .domain.errors import DuplicatePatient, Forbidden, InvalidInput, PatientNotFound
from .domain.links import LinkError
from .domain.fields import full_name, parse_birth_date
from .domain.patients import Attachment, PatientData, Policy, parse_attachment
from .ports import AuthUnitOfWork
from .services import today, unlock_policy

_OUTCOMES = ((PatientNotFound, "not_found"), (Forbidden, "forbidden"),
             (DuplicatePatient, "duplicate"), (InvalidInput, "invalid"), (LinkError, "refused"))


@dataclass
class _Audit:
    patient_id: str | None = None
    result_count: int | None = None


@contextmanager
def _audited(ctx: Context, actor: Actor, action: str, patient_id: str | None = None):
    """Record the call with its outcome; a failure of another kind (a database error) is not
    an outcome of the registrar's request and propagates unrecorded."""
    entry = _Audit(patient_id)
    outcome = "ok"
    try:
        yield entry
    except Exception as exc:
        outcome = next((name for kind, name in _OUTCOMES if isinstance(exc, kind)), None)
        if outcome is None:
            raise
        ctx.audit.record(actor, action, outcome, patient_id=entry.patient_id)
        raise
    ctx.audit.record(actor, action, outcome, patient_id=entry.patient_id,
                     result_count=entry.result_count)


def _own_organization(actor: Actor, attachment: Attachment | None) -> None:
    """A registrar registers and attaches only into their own organization; an admin anywhere."""
    if actor.region_wide or attachment is None:
        return
    if attachment.organization_id != actor.organization_id:
        raise Forbidden()


def _visible(uow: AuthUnitOfWork, actor: Actor, patient_id: str) -> bool:
    if actor.region_wide:
        return True
    return actor.organization_id in uow.attached_organizations(patient_id)


def _load_visible(uow: AuthUnitOfWork, actor: Actor, patient_id: str) -> dict:
    patient = uow.load_patient(patient_id)
    if patient is None or not _visible(uow, actor, patient_id):
        raise PatientNotFound()
    return patient


def register(ctx: Context, actor: Actor, data: PatientData) -> dict:
    with _audited(ctx, actor, "register") as audit:
        if data.attachment is None and not actor.region_wide:
            # Unattached, the new patient would be invisible to the registrar who made them.
            raise InvalidInput({"attachment.organization_id":
                                "Укажите прикрепление к вашей медицинской организации"})
        _own_organization(actor, data.attachment)
        # Two registrars racing on the same policy: the unique index decides (the unit of work
        # answers DuplicatePatient then).
        with ctx.records.unit_of_work() as uow:
            if uow.policy_taken(data.policy):
                raise DuplicatePatient()
            audit.patient_id = uow.insert_patient(data)
        return load_patient(ctx, audit.patient_id)


def edit(ctx: Context, actor: Actor, patient_id: str, data: PatientData) -> dict:
    with _audited(ctx, actor, "edit", patient_id):
        _own_organization(actor, data.attachment)
        with ctx.records.unit_of_work() as uow:
            _load_visible(uow, actor, patient_id)
            if data.policy is not None and uow.policy_taken(data.policy, except_id=patient_id):
                raise DuplicatePatient()
            uow.update_patient(patient_id, data)
        return load_patient(ctx, patient_id)


def read(ctx: Context, actor: Actor, patient_id: str) -> dict:
    """The full card (documents included) of a patient the staff member may see."""
    with _audited(ctx, actor, "read", patient_id):
        with ctx.records.unit_of_work() as uow:
            return _load_visible(uow, actor, patient_id)


def load_patient(ctx: Context, patient_id: str) -> dict:
    """Any patient by id, for internal callers and the patient themselves (not for staff)."""
    with ctx.records.unit_of_work() as uow:
        patient = uow.load_patient(patient_id)
    if patient is None:
        raise PatientNotFound()
    return patient


def _search_filters(args: dict) -> dict:
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
    return {"policy_number": policy_digits or None, "last_name": last_name or None,
            "birth_date": birth}


def search_summary(patient: dict) -> dict:
    """A search hit: enough to recognise the person, never the numbers that log them in."""
    policy = patient["policy"]
    return {**{key: patient[key] for key in ("id", "full_name", "last_name", "first_name",
                                            "middle_name", "birth_date", "sex", "attachments")},
            "policy": {"type": policy["type"], "masked": mask_policy(policy["number"])},
            "identity_documents": [{"type": d["type"]} for d in patient["identity_documents"]]}


def find(ctx: Context, actor: Actor, args: dict) -> list[dict]:
    with _audited(ctx, actor, "search") as audit:
        filters = _search_filters(args)
        scope = None if actor.region_wide else (actor.organization_id or "")
        with ctx.records.unit_of_work() as uow:
            found = uow.search_patients(organization_id=scope, **filters)
        audit.result_count = len(found)
        return [search_summary(patient) for patient in found]


def lookup(ctx: Context, actor: Actor, policy: Policy) -> dict:
    """A newcomer registered elsewhere, by the exact policy they hold out: id and name only."""
    with _audited(ctx, actor, "lookup") as audit:
        with ctx.records.unit_of_work() as uow:
            row = uow.find_by_policy(policy)
        if row is None:
            raise PatientNotFound()
        audit.patient_id = row.id
        return {"id": row.id, "full_name": full_name(row.last_name, row.first_name,
                                                      row.middle_name)}


def attach(ctx: Context, actor: Actor, patient_id: str, body: dict) -> dict:
    """Attach a patient to the staff member's organization (an admin names the organization)."""
    with _audited(ctx, actor, "attach", patient_id):
        if not actor.region_wide:
            body = {**body, "organization_id": body.get("organization_id") or actor.organization_id}
        attachment = parse_attachment(body)
        _own_organization(actor, attachment)
        with ctx.records.unit_of_work() as uow:
            if uow.load_patient(patient_id) is None:
                raise PatientNotFound()
            uow.attach(patient_id, attachment)
        return load_patient(ctx, patient_id)


def unlock_login(ctx: Context, actor: Actor, patient_id: str) -> None:
    """Reception lifts the login limits of their patient's policy (every address)."""
    with _audited(ctx, actor, "unlock", patient_id):
        with ctx.records.unit_of_work() as uow:
            policy = _load_visible(uow, actor, patient_id)["policy"]
        unlock_policy(ctx, Policy(policy["type"], policy["series"] or "", policy["number"]))


def me(ctx: Context, patient_id: str) -> dict:
    patient = load_patient(ctx, patient_id)
    return {key: patient[key] for key in ("id", "full_name", "birth_date", "attachments")}
