"""Public endpoints: parse → call a use case → map the result."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response, current_app, jsonify, request

from regcommon.clientaddr import client_address
from regcommon.jwt_verify import authenticate
from regcommon.web import idempotency_key

from . import changes, idempotency, services, waitlist
from .adapters import store
from .api_errors import to_api_error
from .adapters.calendar import appointment_ics
from .context import Actor, ClientInfo, Deps, Reply
from .domain import errors
from .domain.views import as_utc
from .inputs import parse_book_body, parse_instant, patient_from_claims

bp = APIBlueprint("booking", __name__, tag="Appointments")
ROLES = ("patient", "registrar", "admin")


def deps() -> Deps:
    return current_app.extensions["booking"]["deps"]


def actor(roles: tuple[str, ...] = ROLES) -> Actor:
    claims = authenticate(current_app.extensions["booking"]["verifier"], roles)
    return Actor(id=str(claims["sub"]), role=claims.get("role"),
                 organization_id=claims.get("organization_id"), name=claims.get("name"),
                 patient=patient_from_claims(claims), acted_by=_act(claims))


def _act(claims: dict) -> dict | None:
    act = claims.get("act")
    return act if isinstance(act, dict) and act.get("sub") else None


def client() -> ClientInfo:
    return ClientInfo(ip=client_address(),
                      user_agent=request.headers.get("User-Agent"))


def body():
    data = request.get_json(silent=True)
    if data is None:
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    return data


def answer(reply: Reply):
    response = jsonify(reply.body)
    response.status_code = reply.status
    if reply.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def booking_answer(outcome: services.Outcome):
    """The HTTP answer of the book use case's outcome."""
    if isinstance(outcome, services.Booked):
        return answer(Reply(201, outcome.appointment))
    if isinstance(outcome, services.Refused):
        api = to_api_error(outcome.error)
        return answer(Reply(api.status, api.body()))
    return answer(Reply(outcome.status, outcome.body, replayed=True))


@bp.post("/v1/appointments")
def create_appointment():
    who = actor()
    key = idempotency_key(required=True)
    raw = body()
    req = parse_book_body(raw, by_staff=who.is_staff)
    request_hash = idempotency.request_hash("POST", "/v1/appointments", raw)
    return booking_answer(services.book(deps(), who, req, key, request_hash, client()))


@bp.get("/v1/appointments")
def list_appointments():
    who = actor()
    items = changes.list_for(deps(), who, request.args.get("status"), request.args.get("patient_id"))
    return {"items": items}


@bp.get("/v1/appointments/<appointment_id>")
def get_appointment(appointment_id: str):
    return changes.get(deps(), actor(), appointment_id)


@bp.post("/v1/appointments/<appointment_id>/cancel")
def cancel_appointment(appointment_id: str):
    return changes.cancel(deps(), actor(), appointment_id, client())


@bp.post("/v1/appointments/<appointment_id>/reschedule")
def reschedule_appointment(appointment_id: str):
    who = actor()
    key = idempotency_key(required=True)
    return answer(changes.reschedule(deps(), who, appointment_id, body(), key, client()))


@bp.get("/v1/appointments/<appointment_id>/calendar.ics")
def appointment_calendar(appointment_id: str):
    row = changes.load(deps(), actor(), appointment_id)
    return Response(appointment_ics(row), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="appointment-{row["id"]}.ics"',
                             "Cache-Control": "no-store"})


@bp.post("/v1/waitlist")
def create_waitlist_entry():
    who = actor()
    data = body()
    patient_id = data.get("patient_id") if isinstance(data, dict) else None
    return waitlist.create(deps(), who, data, patient_id if isinstance(patient_id, str) else None), 201


@bp.get("/v1/waitlist")
def list_waitlist():
    return {"items": waitlist.list_for(deps(), actor(), request.args.get("patient_id"))}


@bp.delete("/v1/waitlist/<entry_id>")
def delete_waitlist_entry(entry_id: str):
    waitlist.cancel(deps(), actor(), entry_id)
    return "", 204


def _instant(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        return parse_instant(value)
    except (ValueError, OverflowError):  # OverflowError: year 1 with a positive offset
        raise errors.InvalidInput(fields={name: "Дата и время в формате ISO 8601"}) from None


def _int(name: str, default: int, top: int) -> int:
    value = request.args.get(name, str(default))
    if not value.isascii() or not value.isdigit():  # "²" is a digit to isdigit(), not to int()
        raise errors.InvalidInput(fields={name: "Должно быть целым числом"})
    return min(int(value), top)


@bp.get("/v1/admin/audit")
def admin_audit():
    actor(("admin",))
    filters = {k: request.args.get(k) for k in ("actor_id", "patient_id", "appointment_id",
                                                 "organization_id", "action")}
    filters["since"], filters["until"] = _instant("from"), _instant("to")
    with deps().engine.connect() as conn:
        rows = store.list_audit(conn, filters=filters, limit=_int("limit", 100, 500),
                                offset=_int("offset", 0, 1_000_000))
    return {"items": [_audit_json(r) for r in rows]}


def _audit_json(row: dict) -> dict:
    out = dict(row)
    out["created_at"] = as_utc(out["created_at"]).isoformat()
    return out
