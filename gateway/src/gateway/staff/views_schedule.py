"""Doctors' schedules: weekly template, slot length, breaks, reception quota, absences."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from . import lookups, schedule_forms, upstream
from .formatting import format_date
from .guards import PageError, login_required, page

MAX_AFFECTED_SHOWN = 50


def _organization_id() -> str:
    if g.staff.is_admin:
        return request.values.get("organization_id", "").strip()
    return g.staff.organization_id or ""


def _doctor_of(organization_id: str, doctor_id: str, doctors: list[dict]) -> dict:
    for doctor in doctors:
        if doctor["id"] == doctor_id:
            return doctor
    raise PageError(403 if not g.staff.is_admin else 404,
                    "Врач не найден среди врачей вашей медицинской организации")


def _template(doctor_id: str) -> dict:
    answer = upstream.call("schedule", "GET", f"/v1/admin/doctors/{doctor_id}/template",
                           token=g.staff.token) or {}
    return answer.get("template", answer) if isinstance(answer, dict) else {}


def _absences(doctor_id: str) -> list[dict] | None:
    try:
        return upstream.items(upstream.call(
            "schedule", "GET", f"/v1/admin/doctors/{doctor_id}/absences", token=g.staff.token))
    except upstream.UpstreamError as exc:
        if exc.status in (404, 405):
            return None  # the schedule service does not list absences: the form still works
        raise


def _draw(organization_id: str, doctor_id: str | None, status: int = 200, **extra):
    doctors = lookups.doctors_of_organization(organization_id) if organization_id else []
    ctx = {"organization_id": organization_id, "doctors": doctors, "doctor": None,
           "week": schedule_forms.WEEK, "template_errors": {}, "quota_error": None,
           "absence_errors": {}, "absence_values": {}, "absence_result": None, "error": None,
           "organization_name": lookups.organization_name(organization_id)}
    if doctor_id:
        doctor = _doctor_of(organization_id, doctor_id, doctors)
        template = _template(doctor_id)
        ctx.update(doctor=doctor, template_values=schedule_forms.template_values(template),
                   quota=(template.get("quota") or {}).get("reception_percent", ""),
                   absences=_absences(doctor_id))
    ctx.update(extra)
    return page("staff/schedule.html", status, **ctx)


@login_required
def schedule():
    return _draw(_organization_id(), request.args.get("doctor_id") or None)


def _back(organization_id: str, doctor_id: str):
    return redirect(url_for("staff.schedule", doctor_id=doctor_id,
                            organization_id=organization_id if g.staff.is_admin else None))


def _guard(doctor_id: str) -> str:
    organization_id = _organization_id()
    _doctor_of(organization_id, doctor_id, lookups.doctors_of_organization(organization_id))
    return organization_id


@login_required
def save_template(doctor_id: str):
    organization_id = _guard(doctor_id)
    values, errors, body = schedule_forms.read_template(request.form)
    if not errors:
        try:
            upstream.call("schedule", "PUT", f"/v1/admin/doctors/{doctor_id}/template",
                          token=g.staff.token, json=body)
        except upstream.UpstreamError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {"week": exc.message, **{k.split(".")[-1]: v for k, v in exc.fields.items()}}
    if errors:
        return _draw(organization_id, doctor_id, 422, template_values=values,
                     template_errors=errors)
    flash("Шаблон расписания сохранён; новые дни строятся по нему", "success")
    return _back(organization_id, doctor_id)


@login_required
def save_quota(doctor_id: str):
    organization_id = _guard(doctor_id)
    body, error = schedule_forms.read_quota(request.form)
    if error is None:
        try:
            upstream.call("schedule", "PUT", f"/v1/admin/doctors/{doctor_id}/quota",
                          token=g.staff.token, json=body)
        except upstream.UpstreamError as exc:
            if exc.status not in (409, 422):
                raise
            error = exc.message
    if error:
        return _draw(organization_id, doctor_id, 422, quota_error=error)
    flash(f"Квота регистратуры: {body['reception_percent']}% приёмов", "success")
    return _back(organization_id, doctor_id)


@login_required
def add_absence(doctor_id: str):
    organization_id = _guard(doctor_id)
    values, errors, body = schedule_forms.read_absence(request.form)
    result = None
    if not errors:
        try:
            result = upstream.call("schedule", "POST", f"/v1/admin/doctors/{doctor_id}/absences",
                                   token=g.staff.token, json=body, ok=(200, 201)) or {}
        except upstream.UpstreamError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {"reason": exc.message, **exc.fields}
    if errors:
        return _draw(organization_id, doctor_id, 422, absence_values=values,
                     absence_errors=errors)
    flash(f"Отсутствие сохранено: {format_date(body['from'])} — {format_date(body['to'])}",
          "success")
    return _draw(organization_id, doctor_id, 200, absence_result=_affected(result))


def _affected(result: dict) -> dict:
    """The appointments on the blocked days, to offer each patient another time."""
    listed = [a for a in (result.get("appointments") or []) if isinstance(a, dict)]
    if "appointment_ids" not in result and not listed:
        return {"known": False, "appointments": [], "appointment_ids": []}
    ids = [str(i) for i in (result.get("appointment_ids") or [a.get("id") for a in listed])]
    if not listed:
        for appointment_id in ids[:MAX_AFFECTED_SHOWN]:
            try:
                listed.append(lookups.appointment(appointment_id))
            except (upstream.UpstreamError, PageError):
                continue  # still listed by id below, with its reschedule link
    shown = {a.get("id") for a in listed}
    return {"known": True, "appointments": listed,
            "appointment_ids": ids, "unlisted": [i for i in ids if i not in shown]}


@login_required
def remove_absence(doctor_id: str, absence_id: str):
    organization_id = _guard(doctor_id)
    upstream.call("schedule", "DELETE", f"/v1/admin/doctors/{doctor_id}/absences/{absence_id}",
                  token=g.staff.token)
    flash("Отсутствие снято: свободные приёмы этих дней снова доступны", "success")
    return _back(organization_id, doctor_id)


def add_routes(bp) -> None:
    bp.add_url_rule("/schedule", "schedule", schedule)
    bp.add_url_rule("/schedule/<doctor_id>/template", "save_template", save_template,
                    methods=["POST"])
    bp.add_url_rule("/schedule/<doctor_id>/quota", "save_quota", save_quota, methods=["POST"])
    bp.add_url_rule("/schedule/<doctor_id>/absences", "add_absence", add_absence,
                    methods=["POST"])
    bp.add_url_rule("/schedule/<doctor_id>/absences/<absence_id>/delete", "remove_absence",
                    remove_absence, methods=["POST"])
