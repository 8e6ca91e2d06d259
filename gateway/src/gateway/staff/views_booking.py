"""Appointments on a patient's behalf: book (service → doctor → day → time → confirm),
cancel, reschedule. Reception sees every free slot, its own quota included."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import flash, g, redirect, request, url_for

from . import forms, lookups, upstream
from .formatting import format_datetime
from .guards import PageError, login_required, page, require_organization

DAYS_SHOWN = 28
CHANNEL = "reception"


def _find(rows: list[dict], row_id: str | None, what: str) -> dict | None:
    if not row_id:
        return None
    for row in rows:
        if str(row.get("id")) == row_id:
            return row
    raise PageError(404, f"{what} не найден(а): выберите заново")


def _days(doctor_id: str, service_id: str, organization_id: str) -> list[dict]:
    first = lookups.local_today(organization_id)
    days = upstream.items(upstream.call(
        "schedule", "GET", f"/v1/doctors/{doctor_id}/days", token=g.staff.token,
        params={"service_id": service_id, "from": first.isoformat(),
                "to": (first + timedelta(days=DAYS_SHOWN - 1)).isoformat(), "channel": CHANNEL}))
    for day in days:
        # Reception may book any day with a free slot, today too (the same-day rule is online only).
        day["choosable"] = bool(day.get("interval")) and int(day.get("free") or 0) > 0
    return days


def _slots(doctor_id: str, service_id: str, day: str) -> list[dict]:
    return upstream.items(upstream.call(
        "schedule", "GET", f"/v1/doctors/{doctor_id}/slots", token=g.staff.token,
        params={"service_id": service_id, "date": day, "channel": CHANNEL}))


def _wizard(mode: str, *, patient: dict, organization_id: str, service: dict | None,
            services: list[dict], appointment: dict | None = None, error: str | None = None,
            error_code: str | None = None, status: int = 200):
    """Work out the current step from the query string and draw it."""
    args = request.values

    def step_url(**changes) -> str:
        chosen = {key: args.get(key) for key in ("service_id", "doctor_id", "date", "slot_id")}
        chosen.update(changes)
        chosen = {k: v for k, v in chosen.items() if v}
        if mode == "reschedule":
            return url_for("staff.reschedule", appointment_id=appointment["id"],
                           **{"doctor_id": "", **chosen})
        if g.staff.is_admin:
            chosen["organization_id"] = organization_id
        return url_for("staff.book", patient_id=patient["id"], **chosen)

    ctx = {"step_url": step_url, "mode": mode, "patient": patient,
           "organization_id": organization_id,
           "organization_name": lookups.organization_name(organization_id),
           "services": services, "service": service, "appointment": appointment,
           "doctor": None, "day": None, "slot": None, "error": error,
           "full_name": forms.full_name, "step": "service"}
    if service is None:
        return page("staff/book.html", status, **ctx)
    doctors = lookups.doctors(organization_id, service["id"])
    ctx.update(doctors=doctors, step="doctor")
    doctor = _find(doctors, args.get("doctor_id"), "Врач")
    if doctor is None:
        return page("staff/book.html", status, **ctx)
    ctx.update(doctor=doctor, days=_days(doctor["id"], service["id"], organization_id),
               step="day")
    day = args.get("date")
    if not day:
        return page("staff/book.html", status, **ctx)
    slots = _slots(doctor["id"], service["id"], day)
    ctx.update(day=day, slots=slots, step="time")
    # A slot taken meanwhile sends the registrar back to the choice of time.
    slot = (None if error_code == "slot_unavailable"
            else _find(slots, args.get("slot_id"), "Время приёма"))
    if slot is None:
        return page("staff/book.html", status, **ctx)
    consent = upstream.call("auth", "GET", "/v1/consent", token=g.staff.token) or {}
    ctx.update(slot=slot, step="confirm", consent_version=consent.get("version", ""),
               idempotency_key=args.get("idempotency_key") or str(uuid.uuid4()))
    return page("staff/book.html", status, **ctx)


def _form_key() -> str:
    # The key is drawn into the confirm form: a double submit or a retry books only once.
    return request.form.get("idempotency_key") or str(uuid.uuid4())


def _booking_organization(patient: dict) -> str:
    if not g.staff.is_admin:
        return g.staff.organization_id or ""
    chosen = request.values.get("organization_id", "").strip()
    attached = forms.attachments_of(patient)
    return chosen or (attached[0].get("organization_id", "") if attached else "")


@login_required
def book(patient_id: str):
    patient = lookups.patient(patient_id)
    organization_id = _booking_organization(patient)
    if not organization_id:
        return page("staff/book.html", mode="book", step="organization", patient=patient,
                    full_name=forms.full_name, error=None)
    services = lookups.services(organization_id)
    service = _find(services, request.values.get("service_id"), "Услуга")
    if request.method == "GET":
        return _wizard("book", patient=patient, organization_id=organization_id,
                       service=service, services=services)
    if not request.form.get("consent"):
        return _wizard("book", patient=patient, organization_id=organization_id,
                       service=service, services=services, status=422,
                       error="Отметьте, что пациент дал согласие на обработку персональных данных")
    body = {"patient_id": patient_id, "slot_id": request.form.get("slot_id", ""),
            "service_id": request.form.get("service_id", ""),
            "consent_version": request.form.get("consent_version", "")}
    try:
        created = upstream.call("booking", "POST", "/v1/appointments", token=g.staff.token,
                                json=body, idempotency_key=_form_key(),
                                ok=(200, 201)) or {}
    except upstream.UpstreamError as exc:
        if exc.status in (401, 503):
            raise
        return _wizard("book", patient=patient, organization_id=organization_id,
                       service=service, services=services, error=exc.message,
                       error_code=exc.code, status=exc.status)
    flash(f"Пациент записан на {_when(created)}", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


def _when(appointment: dict) -> str:
    doctor = (appointment.get("doctor") or {}).get("full_name") or ""
    return f"{format_datetime(appointment.get('start'))} {doctor}".strip()


def _own_appointment(appointment_id: str) -> tuple[dict, str]:
    appointment = lookups.appointment(appointment_id)
    organization_id = (appointment.get("organization") or {}).get("id")
    require_organization(organization_id)
    return appointment, organization_id


@login_required
def reschedule(appointment_id: str):
    appointment, organization_id = _own_appointment(appointment_id)
    patient_id = (appointment.get("patient") or {}).get("id", "")
    patient = lookups.patient(patient_id)
    service = appointment.get("service") or {}
    if request.method == "GET":
        if "doctor_id" not in request.args:
            # Start from the same doctor: the usual request is "another time, same doctor".
            doctor_id = (appointment.get("doctor") or {}).get("id")
            return redirect(url_for("staff.reschedule", appointment_id=appointment_id,
                                    doctor_id=doctor_id))
        return _wizard("reschedule", patient=patient, organization_id=organization_id,
                       service=service, services=[service], appointment=appointment)
    try:
        upstream.call("booking", "POST", f"/v1/appointments/{appointment_id}/reschedule",
                      token=g.staff.token, json={"slot_id": request.form.get("slot_id", "")},
                      idempotency_key=_form_key())
    except upstream.UpstreamError as exc:
        if exc.status in (401, 503):
            raise
        return _wizard("reschedule", patient=patient, organization_id=organization_id,
                       service=service, services=[service], appointment=appointment,
                       error=exc.message, error_code=exc.code, status=exc.status)
    flash("Запись перенесена", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


@login_required
def cancel(appointment_id: str):
    appointment, _ = _own_appointment(appointment_id)
    patient_id = (appointment.get("patient") or {}).get("id", "")
    if request.method == "GET":
        return page("staff/cancel.html", appointment=appointment)
    try:
        upstream.call("booking", "POST", f"/v1/appointments/{appointment_id}/cancel",
                      token=g.staff.token)
    except upstream.UpstreamError as exc:
        if exc.status in (401, 503):
            raise
        return page("staff/cancel.html", exc.status, appointment=appointment, error=exc.message)
    flash(f"Запись отменена: {_when(appointment)}", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


def add_routes(bp) -> None:
    bp.add_url_rule("/patients/<patient_id>/book", "book", book, methods=["GET", "POST"])
    bp.add_url_rule("/appointments/<appointment_id>/reschedule", "reschedule", reschedule,
                    methods=["GET", "POST"])
    bp.add_url_rule("/appointments/<appointment_id>/cancel", "cancel", cancel,
                    methods=["GET", "POST"])
