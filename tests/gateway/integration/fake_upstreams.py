"""Fake upstream services for the gateway's integration tests: small Flask apps (catalog,
schedule, auth, booking, tickets) that mimic docs/internal-contracts.md closely enough for the
gateway's flows, keep a little shared state (taken slots, appointments) and record every request
they receive. Served on local ports by conftest.py."""
from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import Flask, jsonify, request

INTERNAL_TOKEN = "test-internal-token"
GOOD_POLICY = "1234567890123456"
GOOD_BIRTH = "1980-05-17"
TOKEN = "tok-patient-1"
PATIENT = {"id": "p-1", "full_name": "Иванов Иван Иванович"}


@dataclass
class State:
    calls: list = field(default_factory=list)
    taken: set = field(default_factory=lambda: {"102"})
    appointments: dict = field(default_factory=dict)
    idempotency: dict = field(default_factory=dict)
    holds: dict = field(default_factory=dict)
    waitlist: dict = field(default_factory=dict)
    ticket_ready: bool = False
    steal_on_book: bool = False  # another patient takes the slot between hold and booking
    day_full: bool = False  # the doctor-day has as many holds as schedule allows

    def calls_to(self, service: str, path_prefix: str = "") -> list:
        return [c for c in self.calls if c["service"] == service and
                c["path"].startswith(path_prefix)]


def _record(state: State, name: str):
    state.calls.append({"service": name, "method": request.method, "path": request.path,
                        "query": request.query_string.decode(), "headers": dict(request.headers),
                        "json": request.get_json(silent=True)})


def _err(status, code, message="ошибка", fields=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _echo(name):
    return jsonify({"service": name, "path": request.path, "method": request.method,
                    "query": request.query_string.decode(),
                    "headers": {k: v for k, v in request.headers.items()},
                    "json": request.get_json(silent=True)})


ORG = {"id": "o-0001", "name": "ГАУЗ «Городская поликлиника № 1»", "short_name": "ГП № 1",
       "address": "г. Оренбург, ул. Советская, 1", "phone": "+7 (3532) 00-00-01",
       "district_id": "d-001", "type_id": "t-01", "timezone": "Asia/Yekaterinburg"}
SERVICES = [
    {"id": "svc-01", "name": "Приём врача-терапевта участкового", "specialty": "Терапия",
     "self_bookable": True, "paid": False, "requires_attachment": True},
    {"id": "svc-02", "name": "Массаж", "specialty": "Физиотерапия", "self_bookable": False,
     "paid": True, "requires_attachment": False},
]
DOCTOR = {"id": "doc-1", "full_name": "Петрова Анна Сергеевна", "specialty": "Терапия",
          "subdivision_id": "sd-1", "room": "101"}


def fake_offers(service_id: str):
    """The catalog's offers of a service: svc-01 in o-0001 (district d-001) only."""
    service = next((s for s in SERVICES if s["id"] == service_id), None)
    district = request.args.get("district_id")
    if service is None or request.args.get("organization_id") not in (None, "o-0001") or \
            district not in (None, "d-001", "d-002"):
        return _err(404, "not_found", "Не найдено")
    item = {"service_id": service_id, "self_bookable": service["self_bookable"],
            "requires_attachment": service["requires_attachment"],
            "organization": {k: ORG[k] for k in ("id", "name", "short_name", "district_id")}}
    if request.args.get("doctors"):
        item["doctors"] = [{"id": "doc-1", "full_name": DOCTOR["full_name"], "areas": ["1"]}]
    return {"service": {**service, "organization_id": "o-0001"},
            "items": [] if district == "d-002" else [item]}


def fake_earliest(state: State, body: dict):
    """Schedule's earliest search over the fake doctor's days (weekdays from tomorrow; 102 is
    never bookable, as the fake slot list says)."""
    if "svc-01" not in body["service_ids"] or "doc-1" not in body.get("doctor_ids", ["doc-1"]):
        return {"items": []}
    zone = timezone(timedelta(hours=5))
    start = datetime.fromisoformat(body["from"]) if body.get("from") else datetime.now(zone)
    until = datetime.fromisoformat(body["until"]) if body.get("until") else None
    first = max(start.astimezone(zone).date(), date.today() + timedelta(days=1))
    items = []
    for day in (first + timedelta(days=n) for n in range(15)):
        for number, hhmm in (("101", "08:00"), ("103", "08:30")):
            slot_id, at = f"{day}-{number}", datetime.fromisoformat(f"{day}T{hhmm}:00+05:00")
            if day.weekday() < 5 and slot_id not in state.taken and at >= start and \
                    (until is None or at < until):
                items.append({"slot_id": slot_id, "start": at.isoformat(), "end": at.isoformat(),
                              "date": day.isoformat(), "doctor_id": "doc-1",
                              "organization_id": "o-0001", "service_id": "svc-01"})
    return {"items": items[:body.get("limit", 5)]}


def catalog_app(state: State) -> Flask:
    app = Flask("fake_catalog")

    @app.before_request
    def _rec():
        _record(state, "catalog")

    @app.get("/v1/districts")
    def districts():
        response = jsonify({"items": [{"id": "d-001", "name": "г. Оренбург"},
                                      {"id": "d-002", "name": "г. Орск"}]})
        response.headers["Cache-Control"] = "public, max-age=60"
        response.headers["ETag"] = '"districts-1"'
        return response

    @app.get("/v1/organization-types")
    def types():
        return {"items": [{"id": "t-01", "name": "Городские поликлиники"},
                          {"id": "t-02", "name": "Областные учреждения"}]}

    @app.get("/v1/organizations")
    def organizations():
        if request.args.get("type_id") == "t-02":
            return {"items": []}
        return {"items": [ORG]}

    @app.get("/v1/organizations/<org_id>")
    def organization(org_id):
        if org_id != "o-0001":
            return _err(404, "not_found", "Организация не найдена")
        return {**ORG, "subdivisions": [{"id": "sd-1", "name": "Поликлиника", "address": "..."}]}

    @app.get("/v1/organizations/o-0001/services")
    def services():
        return {"items": SERVICES}

    @app.get("/v1/organizations/o-0001/services/svc-01/doctors")
    def doctors():
        return {"items": [DOCTOR]}

    @app.get("/v1/organizations/o-0001/services/svc-02/doctors")
    def no_doctors():
        return {"items": []}

    @app.get("/v1/doctors/doc-1")
    def context():
        if request.args.get("service_id") != "svc-01":
            return _err(404, "not_found")
        return {"organization": ORG, "service": SERVICES[0], "doctor": DOCTOR}

    @app.get("/internal/services/<service_id>/offers")
    def offers(service_id):
        return fake_offers(service_id)

    @app.get("/internal/doctors")
    def doctor_names():
        return {"items": [{**DOCTOR, "organization_id": "o-0001"}]
                if "doc-1" in request.args.get("ids", "").split(",") else []}

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(rest):
        return _echo("catalog")

    return app


def schedule_app(state: State) -> Flask:
    app = Flask("fake_schedule")

    @app.before_request
    def _rec():
        _record(state, "schedule")

    @app.get("/v1/doctors/doc-1/days")
    def days():
        start = date.fromisoformat(request.args["from"])
        end = date.fromisoformat(request.args["to"])
        items = []
        while start <= end:
            working = start.weekday() < 5
            items.append({"date": start.isoformat(),
                          "interval": "08:00–14:00" if working else None,
                          "bookable": working, "free": 2 if working else 0})
            start += timedelta(days=1)
        return {"items": items}

    @app.get("/v1/doctors/doc-1/slots")
    def slots():
        day = request.args["date"]
        items = []
        for slot_id, hhmm in (("101", "08:00"), ("102", "08:15"), ("103", "08:30")):
            sid = f"{day}-{slot_id}"
            items.append({"id": sid, "start": f"{day}T{hhmm}:00+05:00",
                          "end": f"{day}T{hhmm}:00+05:00",
                          "bookable": sid not in state.taken and slot_id != "102"})
        return {"items": items}

    @app.get("/v1/slots/<slot_id>")
    def one_slot(slot_id):
        return {"id": slot_id, "doctor_id": "doc-1", "service_ids": ["svc-1"],
                "date": "2026-12-01", "bookable": True,
                "start": "2026-12-01T08:00:00+05:00", "end": "2026-12-01T08:15:00+05:00"}

    @app.post("/v1/slots/<slot_id>/hold")
    def hold(slot_id):
        if not request.headers.get("Authorization", "").startswith("Bearer tok-"):
            return _err(401, "unauthorized", "Требуется вход")  # holds need a login
        if state.day_full:
            return _err(409, "too_many_holds_for_day", "Много бронирований на этот день")
        if slot_id in state.taken or slot_id.endswith("-102"):
            return _err(409, "slot_unavailable", "Время занято")
        hold_id = str(uuid.uuid4())
        state.holds[hold_id] = slot_id
        return {"hold_id": hold_id, "expires_at": "2030-01-01T00:00:00+05:00"}, 201

    @app.delete("/v1/holds/<hold_id>")
    def release(hold_id):
        state.holds.pop(hold_id, None)
        return "", 204

    @app.post("/internal/earliest-slots")
    def earliest():
        return fake_earliest(state, request.get_json())

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(rest):
        return _echo("schedule")

    return app


@functools.lru_cache(maxsize=1)
def _signing_key() -> tuple[bytes, dict]:
    """The fake auth's RSA key (made on first use): its private PEM and its JWKS."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jose import jwk

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_jwk = jwk.construct(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "RS256").to_dict()
    public_jwk.update({"kid": "gateway-test-key", "alg": "RS256", "use": "sig"})
    return private_pem, {"keys": [public_jwk]}


def signed_token(role: str, **extra) -> str:
    """An access token the fake auth's JWKS verifies, as the real auth would sign it."""
    from jose import jwt

    now = int(time.time())
    claims = {"iss": "registratura-auth", "aud": "registratura", "sub": str(uuid.uuid4()),
              "role": role, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600, **extra}
    return jwt.encode(claims, _signing_key()[0], algorithm="RS256",
                      headers={"kid": "gateway-test-key"})


def auth_app(state: State) -> Flask:
    app = Flask("fake_auth")

    @app.before_request
    def _rec():
        _record(state, "auth")

    @app.get("/.well-known/jwks.json")
    def jwks():
        return _signing_key()[1]

    @app.get("/internal/revocations")
    def revocations():
        return {"items": [], "as_of": None}

    @app.get("/v1/consent")
    def consent():
        return {"version": "2026-01", "text": "Я даю согласие на обработку персональных данных."}

    @app.post("/v1/consents")
    def consents():
        return {"status": "accepted"}, 201

    @app.post("/v1/auth/oms")
    def oms():
        body = request.get_json()
        if body.get("policy_number", "").startswith("0000"):
            return _err(422, "validation_failed", "Проверьте поля",
                        {"policy_number": "Неверная контрольная цифра номера полиса"})
        if body.get("policy_number") == "9999999999999999":
            response, status = _err(429, "too_many_attempts", "Слишком много попыток")
            response.headers["Retry-After"] = "300"
            return response, status
        if body.get("policy_number") == GOOD_POLICY and body.get("birth_date") == GOOD_BIRTH:
            return {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600,
                    "patient": PATIENT}
        return _err(401, "authentication_failed", "Данные не найдены")

    @app.post("/v1/auth/logout")
    def logout():
        return "", 204

    @app.post("/v1/esia/authorize-url")
    def esia_url():
        return {"url": "http://esia.example/authorize?state=st-1", "state": "st-1"}

    @app.post("/v1/esia/callback")
    def esia_callback():
        if request.get_json().get("code") != "good-code":
            return _err(401, "authentication_failed", "Не удалось войти")
        return {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600,
                "patient": PATIENT}

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(rest):
        return _echo("auth")

    return app


def _appointment(appt_id: str, slot_id: str) -> dict:
    day = slot_id.rsplit("-", 1)[0]
    return {"id": appt_id, "status": "booked", "start": f"{day}T08:00:00+05:00",
            "end": f"{day}T08:15:00+05:00",
            "organization": {"id": ORG["id"], "name": ORG["name"], "address": ORG["address"]},
            "doctor": {"id": "doc-1", "full_name": DOCTOR["full_name"], "specialty": "Терапия",
                       "room": "101"},
            "service": {"id": "svc-01", "name": SERVICES[0]["name"], "paid": False},
            "patient": PATIENT, "ticket": {"number": "ГП1-000123"},
            "created_at": "2026-11-29T10:00:00+05:00", "slot_id": slot_id}


def booking_app(state: State) -> Flask:
    app = Flask("fake_booking")

    @app.before_request
    def _rec():
        _record(state, "booking")
        if request.path.startswith("/v1/") and \
                request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _err(401, "unauthorized", "Требуется вход")

    @app.post("/v1/appointments")
    def book():
        key = request.headers.get("Idempotency-Key")
        if not key:
            return _err(400, "idempotency_key_required", "Нужен ключ")
        if key in state.idempotency:
            return state.idempotency[key], 201
        body = request.get_json()
        if state.steal_on_book:
            state.taken.add(body["slot_id"])
        if body["slot_id"] in state.taken:
            return _err(409, "slot_unavailable", "Время занято")
        appt = _appointment(f"a-{len(state.appointments) + 1}", body["slot_id"])
        state.appointments[appt["id"]] = appt
        state.taken.add(body["slot_id"])
        state.idempotency[key] = appt
        return appt, 201

    @app.get("/v1/appointments")
    def listing():
        wanted = request.args.get("status")
        items = [a for a in state.appointments.values()
                 if (a["status"] == "booked") == (wanted == "active")]
        return {"items": items}

    @app.get("/v1/appointments/<appt_id>")
    def one(appt_id):
        if appt_id not in state.appointments:
            return _err(404, "not_found", "Не найдено")
        return state.appointments[appt_id]

    @app.post("/v1/appointments/<appt_id>/cancel")
    def cancel(appt_id):
        state.appointments[appt_id]["status"] = "cancelled"
        return state.appointments[appt_id]

    @app.post("/v1/appointments/<appt_id>/reschedule")
    def reschedule(appt_id):
        if not request.headers.get("Idempotency-Key"):
            return _err(400, "idempotency_key_required", "Нужен ключ")
        slot_id = request.get_json()["slot_id"]
        if slot_id in state.taken:
            return _err(409, "slot_unavailable", "Время занято")
        state.appointments[appt_id] = {**_appointment(appt_id, slot_id), "slot_id": slot_id}
        return state.appointments[appt_id]

    @app.get("/v1/appointments/<appt_id>/calendar.ics")
    def ics(appt_id):
        return app.response_class("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                  mimetype="text/calendar")

    @app.get("/v1/waitlist")
    def waitlist():
        return {"items": list(state.waitlist.values())}

    @app.post("/v1/waitlist")
    def waitlist_add():
        entry = {"id": f"w-{len(state.waitlist) + 1}", "status": "waiting",
                 **request.get_json()}
        state.waitlist[entry["id"]] = entry
        return entry, 201

    @app.delete("/v1/waitlist/<entry_id>")
    def waitlist_delete(entry_id):
        state.waitlist.pop(entry_id, None)
        return "", 204

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(rest):
        return _echo("booking")

    return app


def tickets_app(state: State) -> Flask:
    app = Flask("fake_tickets")

    @app.before_request
    def _rec():
        _record(state, "tickets")
        if request.headers.get("X-Internal-Token") != INTERNAL_TOKEN:
            return _err(403, "forbidden")

    @app.get("/internal/tickets/<appt_id>.pdf")
    def pdf(appt_id):
        if state.appointments.get(appt_id, {}).get("status") == "cancelled":
            return _err(410, "ticket_void", "Запись отменена, талон недействителен")
        if not state.ticket_ready:
            response = app.response_class("", status=202)
            response.headers["Retry-After"] = "1"
            return response
        return app.response_class(b"%PDF-1.4 fake", mimetype="application/pdf",
                                  headers={"Cache-Control": "no-store"})

    return app
