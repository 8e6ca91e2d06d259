"""Public schedule endpoints (api.md "Schedule") and the internal ones the booking service uses."""
from __future__ import annotations

from datetime import datetime

from apiflask import APIBlueprint
from flask import current_app, request

from regcommon.clientaddr import client_address, rate_limit_key
from regcommon.errors import ApiError, NotFound, ValidationFailed
from regcommon.ids import parse_slot_id
from regcommon.jwt_verify import InvalidToken, authenticate, bearer_token
from regcommon.web import require_internal

from .api_common import (body_text, json_object, query_date, query_text, slot_id_param,
                         uuid_param)

bp = APIBlueprint("schedule", __name__)
MAX_RANGE_DAYS = 92
CACHE = {"Cache-Control": "public, max-age=5"}
# Reception answers depend on who asks: never stored by shared caches.
PRIVATE = {"Cache-Control": "private, no-store"}
CHANNELS = ("portal", "reception")
STAFF = ("registrar", "admin")


def schedule():
    return current_app.extensions["schedule"]


def reception_view(doctor_id: str) -> bool:
    """Whether the request asks for the reception view (``channel=reception``); only a valid
    staff token of the doctor's organization (or an admin's) may. Anonymous requests without the
    parameter pay nothing here."""
    channel = request.args.get("channel")
    if channel is None:
        return False
    if channel != "reception":
        raise ValidationFailed({"channel": "Допустимое значение: reception"})
    forbidden = ApiError(403, "forbidden", "Расписание регистратуры доступно только сотрудникам")
    token = bearer_token()
    if not token:
        raise forbidden
    try:
        claims = current_app.extensions["jwt_verifier"].verify(token)
    except InvalidToken:
        raise forbidden from None
    role = claims.get("role")
    if role not in STAFF:
        raise forbidden
    if role == "registrar":
        info = schedule().doctor(doctor_id, None)
        if not claims.get("organization_id") or claims["organization_id"] != info.organization_id:
            raise forbidden
    return True


@bp.get("/v1/doctors/<doctor_id>/days")
def doctor_days(doctor_id: str):
    service_id = query_text("service_id")
    first, last = query_date("from"), query_date("to")
    if last < first:
        raise ValidationFailed({"to": "Должна быть не раньше даты from"})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed({"to": f"Период не длиннее {MAX_RANGE_DAYS} дней"})
    reception = reception_view(doctor_id)
    items = schedule().days(doctor_id, service_id, first, last, reception=reception)
    return {"items": items}, 200, PRIVATE if reception else CACHE


@bp.get("/v1/doctors/<doctor_id>/slots")
def doctor_slots(doctor_id: str):
    service_id = query_text("service_id")
    day = query_date("date")
    reception = reception_view(doctor_id)
    items = schedule().day_slots(doctor_id, service_id, day, reception=reception)
    return {"items": items}, 200, PRIVATE if reception else CACHE


@bp.get("/v1/slots/<slot_id>")
def public_slot(slot_id: str):
    """One time by id, as anyone may see it: whose, when, for which services, whether free
    (never who took it). The web UI follows a waiting-list offer's link with it."""
    slot = schedule().slot(slot_id_param(slot_id))
    return {"id": slot["id"], "doctor_id": slot["doctor_id"],
            "organization_id": slot["organization_id"], "date": slot["date"],
            "start": slot["start"], "end": slot["end"], "service_ids": slot["service_ids"],
            "bookable": slot["status"] == "free"}, 200, CACHE


def holder_of(claims: dict) -> str:
    """The key of the per-holder limit: the patient id, or "staff:<id>" for staff."""
    subject = str(claims.get("sub"))[:48]
    return subject if claims.get("role") == "patient" else f"staff:{subject}"


@bp.post("/v1/slots/<slot_id>/hold")
def hold_slot(slot_id: str):
    # A login first (internal-contracts.md): anonymous holds let a few addresses park a new day.
    claims = authenticate(current_app.extensions["jwt_verifier"], roles=("patient",) + STAFF)
    slot = slot_id_param(slot_id)
    body = json_object(optional=True)
    session_id = body_text(body, "session_id", required=False, max_length=128)
    client = rate_limit_key(client_address())
    return schedule().hold(slot, client, session_id, holder=holder_of(claims)), 201


@bp.delete("/v1/holds/<hold_id>")
def drop_hold(hold_id: str):
    schedule().drop_hold(uuid_param(hold_id, "Бронь времени не найдена"))
    return "", 204


# --- internal ------------------------------------------------------------------------------------
# Documented in the schedule's own /openapi.json (only services reach it; the gateway publishes
# its own document), so that they are fuzzed like the rest.

def _internal() -> None:
    require_internal(current_app.extensions["settings"])


def _channel(body: dict) -> str:
    channel = body.get("channel", "portal")
    if channel not in CHANNELS:
        raise ValidationFailed({"channel": "Допустимые значения: portal, reception"})
    return channel


@bp.get("/internal/slots/<slot_id>")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_slot(slot_id: str):
    _internal()
    return schedule().slot(slot_id_param(slot_id))


@bp.post("/internal/slots/<slot_id>/take")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_take(slot_id: str):
    _internal()
    slot = slot_id_param(slot_id)
    body = json_object()
    appointment_id = body_text(body, "appointment_id")
    hold_id = body_text(body, "hold_id", required=False)
    return schedule().take(slot, appointment_id, hold_id, _channel(body))


@bp.get("/internal/takes")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_takes():
    _internal()
    since = request.args.get("since")
    try:
        since_at = datetime.fromisoformat(since) if since else None
        older_than = float(request.args.get("older_than", "15"))
        limit = min(int(request.args.get("limit", "500")), 1000)
    except ValueError:
        raise ValidationFailed({"since": "Момент времени ISO 8601, older_than и limit — числа"}) \
            from None
    if since_at is not None and since_at.tzinfo is None:
        raise ValidationFailed({"since": "Укажите смещение часового пояса"})
    after_id = parse_slot_id(request.args.get("after_id", "0"))
    if after_id is None or older_than < 0 or limit < 1:
        raise ValidationFailed({"after_id": "Недопустимое значение"})
    items = schedule().takes(since=since_at, after_id=after_id, older_than=older_than,
                             limit=limit)
    return {"items": items}


@bp.post("/internal/slots/<slot_id>/release")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_release(slot_id: str):
    _internal()
    slot = slot_id_param(slot_id)
    appointment_id = body_text(json_object(), "appointment_id")
    return schedule().release(slot, appointment_id)


@bp.post("/internal/appointments/<appointment_id>/move")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_move(appointment_id: str):
    _internal()
    body = json_object()
    source = slot_id_param(body_text(body, "from_slot_id", max_length=20))
    target = slot_id_param(body_text(body, "to_slot_id", max_length=20))
    return schedule().move(appointment_id[:64], source, target, _channel(body))


@bp.get("/internal/appointments/<appointment_id>/slot")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_appointment_slot(appointment_id: str):
    _internal()
    slot = schedule().appointment_slot(appointment_id[:64])
    if slot is None:
        raise NotFound("Запись не занимает ни одного времени приёма")
    return slot
