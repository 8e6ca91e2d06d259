"""Fake upstream services (auth, catalog, schedule, booking) for the staff workspace tests.

Small Flask apps that keep their state in one :class:`Backend`, answer with the shapes and error
codes of api.md, and record every call so tests can check what the gateway sent.
"""
from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import date, timedelta

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

ORG = "o-0001"
OTHER_ORG = "o-0002"
VALID_POLICY = "5680784863159153"
OTHER_POLICY = "5649309309826023"


def fake_token(role: str, sub: str, organization_id: str | None = None, name: str = "") -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    claims = {"sub": sub, "role": role, "organization_id": organization_id, "name": name,
              "exp": 4102444800, "jti": uuid.uuid4().hex}
    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


def _error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch) * (2 if i % 2 else 1)
        total += v - 9 if v > 9 else v
    return total % 10 == 0


class Backend:
    def __init__(self):
        self.reset()

    def reset(self):
        self.calls: list[dict] = []
        self.tokens = {
            "registrar": fake_token("registrar", "st-1", ORG, "Иванова Анна"),
            "admin": fake_token("admin", "st-9", None, "Петров Пётр"),
            "patient": fake_token("patient", "p-x", None, "Пациент"),
        }
        self.revoked: set[str] = set()
        # A registry that forgot to scope cards to the registrar's organization (the page
        # must still refuse someone else's patient).
        self.registry_unscoped = False
        self.unlocked: list[str] = []
        # The absence answer lists the appointments on the blocked days (asked of schedule).
        self.absence_lists_appointments = True
        self.patients = {
            "p-1": {"id": "p-1", "last_name": "Смирнов", "first_name": "Олег",
                    "middle_name": "Ильич", "full_name": "Смирнов Олег Ильич",
                    "birth_date": "1980-05-17", "sex": "M", "phone": "+79000000001",
                    "email": None, "policy": {"type": "oms_unified", "number": VALID_POLICY},
                    "identity_documents": [{"type": "passport", "number": "5300 123456"}],
                    "attachments": [{"organization_id": ORG, "area": "1"}]},
            "p-foreign": {"id": "p-foreign", "last_name": "Чужой", "first_name": "Яков",
                          "full_name": "Чужой Яков", "birth_date": "1970-01-01", "sex": "M",
                          "policy": {"type": "oms_unified", "number": OTHER_POLICY},
                          "attachments": [{"organization_id": OTHER_ORG, "area": None}]},
        }
        self.appointments: dict[str, dict] = {}
        self.audit: list[dict] = []
        self.absences: dict[str, dict] = {}
        self.template = {"slot_minutes": 15, "week": {"mon": ["08:00", "14:00"], "sat": None},
                         "breaks": [["11:00", "11:15"]], "quota": {"reception_percent": 20}}
        self.settings = {"booking_horizon_days": 14, "day_opens_at": "07:00",
                         "same_day_booking": False, "cancel_cutoff_hours": 0}
        # Attendance: the day's list booking answers, the suspension a no-show starts, counts.
        self.attendance_day: list[dict] = []
        self.suspension: dict | None = None
        self.no_show_counts = {"total": {"attended": 0, "no_show": 0, "unmarked": 0},
                               "doctors": []}

    # -- helpers ----------------------------------------------------------------------------
    def role(self) -> tuple[str | None, str | None]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if token in self.revoked:
            return None, None
        for role, known in self.tokens.items():
            if token == known:
                return role, token
        return None, None

    def record(self):
        self.calls.append({"method": request.method, "path": request.path,
                           "args": request.args.to_dict(), "json": request.get_json(silent=True),
                           "headers": dict(request.headers)})

    def staff_only(self):
        role, _ = self.role()
        if role is None:
            return _error(401, "unauthorized", "Требуется вход")
        if role == "patient":
            return _error(403, "forbidden", "Недостаточно прав для этого действия")
        return None

    def appointment(self, patient_id: str, slot_id: str, service_id: str) -> dict:
        start = f"{(date.today() + timedelta(days=1)).isoformat()}T08:{int(slot_id) % 60:02d}:00+05:00"
        patient = self.patients[patient_id]
        return {"id": str(uuid.uuid4()), "status": "booked", "start": start, "end": start,
                "slot_id": slot_id,
                "organization": {"id": ORG, "name": "ГАУЗ «Городская поликлиника № 1»", "address": "ул. Тестовая, 1"},
                "doctor": {"id": "doc-1", "full_name": "Кузнецова Мария Петровна",
                           "specialty": "Терапия", "room": "101"},
                "service": {"id": service_id, "name": "Приём врача-терапевта участкового", "paid": False},
                "patient": {"id": patient_id, "full_name": patient["full_name"]},
                "ticket": {"number": "А-001"}, "created_at": "2026-11-29T10:00:00+05:00"}

    def audit_entry(self, action: str, appointment: dict):
        role, token = self.role()
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        self.audit.append({"id": str(uuid.uuid4()), "created_at": "2026-11-29T05:00:00+00:00",
                           "actor_id": claims["sub"], "actor_role": role,
                           "action": f"appointment.{action}", "appointment_id": appointment["id"],
                           "organization_id": appointment["organization"]["id"], "details": None,
                           "patient_id": appointment["patient"]["id"],
                           "ip": request.headers.get("X-Client-IP"),
                           "user_agent": request.headers.get("User-Agent")})


def serve(app: Flask):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"
