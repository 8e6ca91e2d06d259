"""Use cases of referrals (направления): the patient's own list; the reception's list, issue,
cancel and import (from the clinic's system, idempotent by ``source_system`` + ``source_number``).

Staff work inside their organization (docs/security.md): a registrar issues, sees and cancels the
referrals of their own organization, for patients attached to it; an admin names the
organization. A referral for a ``service_id`` names one of the issuing organization's services;
one for a ``specialty`` is good for any service of that specialty, in any organization.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from regcommon.db import new_id, utcnow

from .adapters import referrals_sql, store
from .context import Actor, ClientInfo, Deps
from .domain import errors
from .inputs import INVALID, REF, REQUIRED, UUID_RE
from .referrals import local_today, referral_json

MAX_DAYS = 366  # a referral is valid for a year at most
MAX_IMPORT_ROWS = 1000


@dataclass(frozen=True)
class IssueRequest:
    patient_id: str
    service_id: str | None
    specialty: str | None
    expires_on: date
    organization_id: str
    source_system: str | None = None
    source_number: str | None = None
    issued_by_name: str | None = None


def _short_text(body: dict, name: str, fields: dict, top: int) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > top \
            or any(ord(ch) < 32 for ch in value):
        fields[name] = INVALID
        return None
    return value.strip()


def _expiry(body: dict, today: date, fields: dict) -> date | None:
    value = body.get("expires_on")
    if value in (None, ""):
        fields["expires_on"] = REQUIRED
        return None
    try:
        expires = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        expires = None
    if expires is None:
        fields["expires_on"] = "Дата в формате ГГГГ-ММ-ДД"
    elif expires < today:
        fields["expires_on"] = "Срок действия не может закончиться в прошлом"
    elif expires > today + timedelta(days=MAX_DAYS):
        fields["expires_on"] = "Направление выдаётся не больше чем на год"
    else:
        return expires
    return None


def _organization(actor: Actor, body: dict, fields: dict) -> str | None:
    if actor.role == "registrar":
        return actor.organization_id
    org = actor.organization_id or body.get("organization_id")
    if not isinstance(org, str) or not REF.match(org):
        fields["organization_id"] = REQUIRED
        return None
    return org


def parse_issue(actor: Actor, body, today: date, *, imported: bool = False) -> IssueRequest:
    if not isinstance(body, dict):
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    fields: dict = {}
    patient_id = body.get("patient_id")
    if not isinstance(patient_id, str) or not UUID_RE.match(patient_id):
        fields["patient_id"] = REQUIRED if patient_id in (None, "") else INVALID
    service_id = _short_text(body, "service_id", fields, 64)
    if service_id and not REF.match(service_id):
        fields["service_id"] = INVALID
    specialty = _short_text(body, "specialty", fields, 255)
    if (service_id is None) == (specialty is None) and "service_id" not in fields \
            and "specialty" not in fields:
        fields["service_id"] = "Укажите услугу или специальность (одно из двух)"
    expires = _expiry(body, today, fields)
    organization_id = _organization(actor, body, fields)
    source = {}
    if imported:
        for name in ("source_system", "source_number"):
            source[name] = _short_text(body, name, fields, 64)
            if source[name] is None and name not in fields:
                fields[name] = REQUIRED
        source["issued_by_name"] = _short_text(body, "doctor_name", fields, 200)
    if fields:
        raise errors.InvalidInput(fields=fields)
    return IssueRequest(patient_id=patient_id, service_id=service_id, specialty=specialty,
                        expires_on=expires, organization_id=organization_id, **source)


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise errors.Forbidden()


def _visible_patient(deps: Deps, actor: Actor, patient_id: str) -> dict:
    """A registrar reaches only the patients attached to their organization (404 otherwise)."""
    patient = deps.auth.patient(patient_id) if UUID_RE.match(patient_id or "") else None
    if patient is None:
        raise errors.PatientNotFound()
    if actor.role == "registrar" and actor.organization_id not in {
            str(a.get("organization_id")) for a in patient.get("attachments") or []}:
        raise errors.PatientNotFound()
    return patient


class _Services:
    """The issuing organization's services (one catalog call per organization and request)."""

    def __init__(self, deps: Deps):
        self.deps, self.by_org = deps, {}

    def find(self, organization_id: str, service_id: str) -> dict:
        if organization_id not in self.by_org:
            items = self.deps.catalog.organization_services(organization_id)
            if items is None:
                raise errors.InvalidInput(fields={"organization_id": "Организация не найдена"})
            self.by_org[organization_id] = {s["id"]: s for s in items}
        service = self.by_org[organization_id].get(service_id)
        if service is None:
            raise errors.InvalidInput(fields={"service_id": "Такой услуги нет в организации"})
        return service


def _row(actor: Actor, req: IssueRequest, services: _Services) -> dict:
    service = services.find(req.organization_id, req.service_id) if req.service_id else None
    now = utcnow()
    return {"id": new_id(), "patient_id": req.patient_id, "organization_id": req.organization_id,
            "service_id": req.service_id, "service_name": service and service.get("name"),
            "specialty": service.get("specialty") if service else req.specialty,
            "issued_by": actor.id,
            "issued_by_name": req.issued_by_name or (actor.name or "").strip()[:200] or None,
            "source_system": req.source_system, "source_number": req.source_number,
            "issued_at": now, "expires_on": req.expires_on, "status": "active",
            "used_by_appointment_id": None, "updated_at": now}


def _audit(conn, actor: Actor, action: str, client: ClientInfo | None, row: dict) -> None:
    store.add_audit(conn, actor=actor, action=action, client=client, appointment_id=None,
                    patient_id=row["patient_id"], organization_id=row["organization_id"],
                    details={"referral_id": row["id"]})


def issue(deps: Deps, actor: Actor, body, client: ClientInfo | None = None) -> dict:
    _staff(actor)
    today = local_today(deps.clock())
    req = parse_issue(actor, body, today)
    _visible_patient(deps, actor, req.patient_id)
    row = _row(actor, req, _Services(deps))
    with deps.engine.begin() as conn:
        referrals_sql.insert(conn, row)
        _audit(conn, actor, "referral.issue", client, row)
    return referral_json(row, today)


def list_own(deps: Deps, actor: Actor) -> list[dict]:
    if actor.is_staff:
        raise errors.Forbidden("Список своих направлений есть только у пациента")
    today = local_today(deps.clock())
    with deps.engine.connect() as conn:
        return [referral_json(r, today) for r in referrals_sql.list_for(conn, actor.id)]


def list_for_patient(deps: Deps, actor: Actor, patient_id: str) -> list[dict]:
    _staff(actor)
    _visible_patient(deps, actor, patient_id)
    today = local_today(deps.clock())
    org = actor.organization_id if actor.role == "registrar" else None
    with deps.engine.connect() as conn:
        return [referral_json(r, today) for r in referrals_sql.list_for(conn, patient_id, org)]


def cancel(deps: Deps, actor: Actor, referral_id: str, client: ClientInfo | None = None) -> dict:
    """Cancel an unused referral (repeating it is harmless); a used one is 409."""
    _staff(actor)
    today = local_today(deps.clock())
    with deps.engine.begin() as conn:
        row = referrals_sql.get(conn, referral_id) if UUID_RE.match(referral_id or "") else None
        if row is None or not actor.may_act_in(row["organization_id"]):
            raise errors.ReferralNotFound()
        if row["status"] != "cancelled":
            if not referrals_sql.cancel(conn, referral_id):
                raise errors.ReferralNotActive()
            _audit(conn, actor, "referral.cancel", client, row)
        return referral_json(referrals_sql.get(conn, referral_id), today)


def import_rows(deps: Deps, actor: Actor, body, client: ClientInfo | None = None) -> dict:
    """Referrals from the clinic's system: created, unchanged (already imported) and per-row
    errors; the good rows are written even when others are wrong."""
    _staff(actor)
    items = body.get("items") if isinstance(body, dict) else body
    if not isinstance(items, list) or not items or len(items) > MAX_IMPORT_ROWS:
        raise errors.InvalidInput(fields={"items": f"Ожидается список от 1 до {MAX_IMPORT_ROWS} "
                                                    "направлений"})
    today, services = local_today(deps.clock()), _Services(deps)
    created = unchanged = 0
    problems = []
    for index, item in enumerate(items):
        try:
            req = parse_issue(actor, item, today, imported=True)
            _visible_patient(deps, actor, req.patient_id)
            row = _row(actor, req, services)
        except (errors.InvalidInput, errors.PatientNotFound) as exc:
            problems.append({"index": index, "code": exc.code, "message": exc.message,
                             "fields": exc.fields or {}})
            continue
        with deps.engine.begin() as conn:
            if referrals_sql.insert(conn, row):
                created += 1
                _audit(conn, actor, "referral.import", client, row)
            else:
                unchanged += 1
    return {"created": created, "unchanged": unchanged, "errors": problems}
