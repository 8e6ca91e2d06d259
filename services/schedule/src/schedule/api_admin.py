"""Staff schedule management under /v1/admin (registrar of the doctor's organization, or admin)."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from regcommon.errors import ValidationFailed
from regcommon.jwt_verify import authenticate

from .admin import MAX_ABSENCE_DAYS
from .api_common import body_date, body_text, json_object, uuid_param
from .domain.templates import parse_template

bp = APIBlueprint("schedule_admin", __name__, url_prefix="/v1/admin/doctors")
STAFF = ("registrar", "admin")


def _admin(doctor_id: str):
    """The admin use cases after checking the token and the caller's right to this doctor."""
    claims = authenticate(current_app.extensions["jwt_verifier"], roles=STAFF)
    admin = current_app.extensions["schedule_admin"]
    admin.authorize(claims, doctor_id)
    return admin


@bp.get("/<doctor_id>/template")
def get_template(doctor_id: str):
    return _admin(doctor_id).template(doctor_id)


@bp.put("/<doctor_id>/template")
def put_template(doctor_id: str):
    admin = _admin(doctor_id)
    return admin.put_template(doctor_id, parse_template(json_object()))


@bp.get("/<doctor_id>/absences")
def list_absences(doctor_id: str):
    return {"items": _admin(doctor_id).absences(doctor_id)}


@bp.post("/<doctor_id>/absences")
def add_absence(doctor_id: str):
    admin = _admin(doctor_id)
    body = json_object()
    first, last = body_date(body, "from"), body_date(body, "to")
    reason = body_text(body, "reason", max_length=200)
    if last < first:
        raise ValidationFailed({"to": "Должна быть не раньше даты from"})
    if (last - first).days + 1 > MAX_ABSENCE_DAYS:
        raise ValidationFailed({"to": f"Период не длиннее {MAX_ABSENCE_DAYS} дней"})
    return admin.add_absence(doctor_id, first, last, reason), 201


@bp.delete("/<doctor_id>/absences/<absence_id>")
def delete_absence(doctor_id: str, absence_id: str):
    _admin(doctor_id).delete_absence(doctor_id, uuid_param(absence_id, "Отсутствие не найдено"))
    return "", 204


@bp.put("/<doctor_id>/quota")
def put_quota(doctor_id: str):
    admin = _admin(doctor_id)
    percent = json_object().get("reception_percent")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValidationFailed({"reception_percent": "Целое число от 0 до 100"})
    return admin.set_quota(doctor_id, percent)


@bp.post("/<doctor_id>/regenerate")
def regenerate(doctor_id: str):
    return _admin(doctor_id).regenerate(doctor_id)
