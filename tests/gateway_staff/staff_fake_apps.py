"""The four fake upstream apps, sharing one Backend (see staff_fakes.py)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Flask, jsonify, request

from staff_fakes import OTHER_ORG, ORG, Backend, _error, _luhn

ORGS = {
    ORG: {"id": ORG, "name": "ГАУЗ «Городская поликлиника № 1»", "short_name": "ГП № 1",
          "timezone": "Asia/Yekaterinburg", "address": "ул. Тестовая, 1", "subdivisions": []},
    OTHER_ORG: {"id": OTHER_ORG, "name": "ГБУЗ «Районная больница»", "short_name": "РБ",
                "timezone": "Asia/Yekaterinburg", "address": "с. Тест", "subdivisions": []},
}
SERVICES = {ORG: [{"id": "svc-1", "name": "Приём врача-терапевта участкового",
                   "specialty": "Терапия", "self_bookable": True, "paid": False,
                   "requires_attachment": True}],
            OTHER_ORG: [{"id": "svc-9", "name": "Приём хирурга", "specialty": "Хирургия",
                         "self_bookable": True, "paid": False, "requires_attachment": False}]}
DOCTORS = {"svc-1": [{"id": "doc-1", "full_name": "Кузнецова Мария Петровна",
                      "specialty": "Терапия", "subdivision_id": "sd-1", "room": "101"}],
           "svc-9": [{"id": "doc-9", "full_name": "Орлов Игорь Саввич",
                      "specialty": "Хирургия", "subdivision_id": "sd-9", "room": "9"}]}


def auth_app(b: Backend) -> Flask:
    app = Flask("fake_auth")

    @app.before_request
    def _rec():
        b.record()

    @app.post("/v1/auth/staff")
    def staff_login():
        body = request.get_json()
        if body.get("password") != "secret" or body.get("login") not in b.tokens:
            return _error(401, "authentication_failed", "Неверный логин или пароль")
        role = body["login"]
        return {"access_token": b.tokens[role], "token_type": "Bearer", "expires_in": 3600,
                "staff": {"id": "x-" + role, "role": role}}

    @app.post("/v1/auth/logout")
    def logout():
        b.revoked.add(b.role()[1])
        return "", 204

    @app.get("/v1/consent")
    def consent():
        return {"version": "2026-01", "text": "Согласие"}

    @app.route("/v1/registry/patients", methods=["GET", "POST"])
    def registry():
        if (refusal := b.staff_only()) is not None:
            return refusal
        if request.method == "GET":
            q = request.args
            own = b.role()[0] != "registrar"
            found = [p for p in b.patients.values()
                     if (own or any(a["organization_id"] == ORG for a in p["attachments"]))
                     and (not q.get("policy_number") or p["policy"]["number"] == q["policy_number"])
                     and (not q.get("last_name") or p["last_name"].lower() == q["last_name"].lower())
                     and (not q.get("birth_date") or p["birth_date"] == q["birth_date"])]
            return {"items": found}
        body = request.get_json()
        number = body["policy"]["number"]
        if len(number) != 16 or not number.isdigit() or not _luhn(number):
            return _error(422, "validation_failed", "Проверьте правильность заполнения полей",
                          {"policy": {"number": "Номер полиса введён с ошибкой: не сходится контрольная цифра"}})
        if any(p["policy"]["number"] == number for p in b.patients.values()):
            return _error(409, "duplicate_patient", "Пациент с таким полисом уже зарегистрирован")
        patient = {**body, "id": f"p-{len(b.patients) + 1}",
                   "full_name": f"{body['last_name']} {body['first_name']} {body.get('middle_name') or ''}".strip(),
                   "attachments": [body["attachment"]] if body.get("attachment") else []}
        b.patients[patient["id"]] = patient
        return patient, 201

    @app.route("/v1/registry/patients/<pid>", methods=["GET", "PUT"])
    def registry_one(pid):
        if (refusal := b.staff_only()) is not None:
            return refusal
        if pid not in b.patients:
            return _error(404, "not_found", "Пациент не найден")
        patient = b.patients[pid]
        role, _ = b.role()
        if role == "registrar" and not b.registry_unscoped and \
                all(a["organization_id"] != ORG for a in patient["attachments"]):
            return _error(404, "not_found", "Пациент не найден")
        if request.method == "PUT":
            body = request.get_json()
            patient.update({k: v for k, v in body.items() if k != "attachment"})
            if body.get("attachment"):
                patient["attachments"] = [body["attachment"]]
        return patient

    @app.post("/v1/registry/patients/lookup")
    def lookup():
        if (refusal := b.staff_only()) is not None:
            return refusal
        number = request.get_json()["policy"]["number"]
        for patient in b.patients.values():
            if patient["policy"]["number"] == number:
                return {"id": patient["id"], "full_name": patient["full_name"]}
        return _error(404, "not_found", "Пациент не найден")

    @app.post("/v1/registry/patients/<pid>/attachment")
    def attach(pid):
        if (refusal := b.staff_only()) is not None:
            return refusal
        patient = b.patients[pid]
        patient["attachments"].append({"organization_id": ORG,
                                       "area": request.get_json().get("area")})
        return patient

    @app.post("/v1/registry/patients/<pid>/unlock-login")
    def unlock(pid):
        if (refusal := b.staff_only()) is not None:
            return refusal
        b.unlocked.append(pid)
        return "", 204
    return app


def catalog_app(b: Backend) -> Flask:
    app = Flask("fake_catalog")

    @app.before_request
    def _rec():
        b.record()

    @app.get("/v1/organizations/<oid>")
    def organization(oid):
        return ORGS[oid] if oid in ORGS else _error(404, "not_found", "Не найдено")

    @app.get("/v1/organizations/<oid>/services")
    def services(oid):
        return {"items": SERVICES.get(oid, [])}

    @app.get("/v1/organizations/<oid>/services/<sid>/doctors")
    def doctors(oid, sid):
        return {"items": DOCTORS.get(sid, [])}

    @app.route("/v1/admin/organizations/<oid>/settings", methods=["GET", "PUT"])
    def settings(oid):
        if (refusal := b.staff_only()) is not None:
            return refusal
        if request.method == "PUT":
            body = request.get_json()
            if body["booking_horizon_days"] > 60:
                return _error(422, "validation_failed", "Проверьте правильность заполнения полей",
                              {"booking_horizon_days": "Не более 60 дней в этом регионе"})
            b.settings = body
        if b.settings is None:
            return _error(405, "method_not_allowed", "Метод не поддерживается")
        return b.settings

    @app.post("/v1/admin/import")
    def import_region():
        if b.role()[0] != "admin":
            return _error(403, "forbidden", "Недостаточно прав")
        body = request.get_json()
        if body.get("format") != "registratura-region/1":
            return _error(422, "validation_failed", "Неверный формат файла",
                          {"format": "Ожидается registratura-region/1"})
        return {"organizations": len(body.get("organizations", [])), "doctors": 0}
    return app


def schedule_app(b: Backend) -> Flask:
    app = Flask("fake_schedule")

    @app.before_request
    def _rec():
        b.record()

    @app.get("/v1/doctors/<did>/days")
    def days(did):
        first = date.fromisoformat(request.args["from"])
        last = date.fromisoformat(request.args["to"])
        out = []
        while first <= last:
            working = first.weekday() != 6
            out.append({"date": first.isoformat(), "interval": "08:00–14:00" if working else None,
                        "bookable": working, "free": 2 if working else 0})
            first += timedelta(days=1)
        return {"items": out}

    @app.get("/v1/doctors/<did>/slots")
    def slots(did):
        day = request.args["date"]
        return {"items": [
            {"id": str(sid), "start": f"{day}T08:{minute:02d}:00+05:00",
             "end": f"{day}T08:{minute + 15:02d}:00+05:00", "bookable": sid != 103}
            for sid, minute in ((101, 0), (102, 15), (103, 30), (999, 45))]}

    @app.route("/v1/admin/doctors/<did>/template", methods=["GET", "PUT"])
    def template(did):
        if (refusal := b.staff_only()) is not None:
            return refusal
        if request.method == "PUT":
            b.template = {**request.get_json(), "quota": b.template.get("quota")}
        return b.template

    @app.put("/v1/admin/doctors/<did>/quota")
    def quota(did):
        b.template["quota"] = request.get_json()
        return b.template["quota"]

    @app.get("/v1/admin/doctors/<did>/absences")
    def list_absences(did):
        return {"items": list(b.absences.values())}

    @app.delete("/v1/admin/doctors/<did>/absences/<absence_id>")
    def delete_absence(did, absence_id):
        if b.absences.pop(absence_id, None) is None:
            return _error(404, "not_found", "Отсутствие не найдено")
        return "", 204

    @app.post("/v1/admin/doctors/<did>/absences")
    def absences(did):
        body = request.get_json()
        affected = list(b.appointments.values())
        for a in affected:
            a["flagged"] = True
        answer = {"id": "abs-1", "doctor_id": did, **body}
        b.absences["abs-1"] = dict(answer)
        if b.absence_lists_appointments:
            answer["appointment_ids"] = [a["id"] for a in affected]
        return answer, 201
    return app


def booking_app(b: Backend) -> Flask:
    app = Flask("fake_booking")

    @app.before_request
    def _rec():
        b.record()
        return b.staff_only()

    @app.route("/v1/appointments", methods=["GET", "POST"])
    def appointments():
        if request.method == "GET":
            status = request.args.get("status")
            found = [a for a in b.appointments.values()
                     if a["patient"]["id"] == request.args.get("patient_id")
                     and (a["status"] == "booked") == (status == "active")]
            return {"items": found}
        if not request.headers.get("Idempotency-Key"):
            return _error(400, "idempotency_key_required", "Нужен заголовок Idempotency-Key")
        body = request.get_json()
        if body.get("consent_version") != "2026-01":
            return _error(422, "consent_required", "Нужно согласие")
        if body["slot_id"] == "999":
            return _error(409, "slot_unavailable", "Это время уже занято, выберите другое")
        created = b.appointment(body["patient_id"], body["slot_id"], body["service_id"])
        b.appointments[created["id"]] = created
        b.audit_entry("create", created)
        return created, 201

    @app.get("/v1/appointments/<aid>")
    def one(aid):
        return b.appointments[aid] if aid in b.appointments else _error(404, "not_found", "Не найдено")

    @app.post("/v1/appointments/<aid>/cancel")
    def cancel(aid):
        b.appointments[aid]["status"] = "cancelled"
        b.audit_entry("cancel", b.appointments[aid])
        return b.appointments[aid]

    @app.post("/v1/appointments/<aid>/reschedule")
    def reschedule(aid):
        if not request.headers.get("Idempotency-Key"):
            return _error(400, "idempotency_key_required", "Нужен заголовок Idempotency-Key")
        slot_id = request.get_json()["slot_id"]
        if slot_id == "999":
            return _error(409, "slot_unavailable", "Это время уже занято, выберите другое")
        moved = b.appointment(b.appointments[aid]["patient"]["id"], slot_id,
                              b.appointments[aid]["service"]["id"])
        b.appointments[aid].update(start=moved["start"], end=moved["end"], slot_id=slot_id)
        b.audit_entry("reschedule", b.appointments[aid])
        return b.appointments[aid]

    @app.get("/v1/admin/attendance")
    def attendance_day():
        return {"items": b.attendance_day}

    @app.post("/v1/appointments/<aid>/attendance")
    def attendance_mark(aid):
        found = next((a for a in b.attendance_day if a["id"] == aid), None)
        if found is None:
            return _error(404, "not_found", "Запись не найдена")
        if not found["markable"]:
            return _error(422, "too_early_to_mark",
                          "Отметить явку можно только после начала приёма")
        found["attendance"] = "attended" if request.get_json()["attended"] else "no_show"
        return {**found, "suspension": b.suspension if found["attendance"] == "no_show" else None}

    @app.get("/v1/admin/no-shows")
    def no_shows():
        return b.no_show_counts

    @app.get("/v1/admin/audit")
    def audit():
        if b.role()[0] != "admin":
            return _error(403, "forbidden", "Журнал доступен только администратору")
        return jsonify({"items": b.audit})
    return app
