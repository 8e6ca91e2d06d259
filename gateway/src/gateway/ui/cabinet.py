"""Step 9: the personal cabinet — appointments, cancel, reschedule, waiting list."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, redirect, request, session, url_for
from regcommon.errors import ApiError

from . import forms, referrals
from .booking import appointment_view
from .browse import doctor_context, org_services
from .common import (LoginExpired, access_token, call, flash, get_json, login_required, page, q,
                     settings, today, with_query)

bp = Blueprint("cabinet", __name__)
CRUMBS = [("Главная", "/"), ("Личный кабинет", "/cabinet")]


def _flag(appointment: dict) -> str | None:
    """Why the appointment needs attention (its doctor's day was blocked), if it does."""
    flag = appointment.get("flag") or appointment.get("flagged")
    if isinstance(flag, dict):
        return flag.get("reason") or flag.get("message") or "Приём в этот день не состоится"
    if flag:
        return appointment.get("flag_reason") or "Приём в этот день не состоится"
    return None


def _waitlist_view(entry: dict) -> dict:
    """An entry with the names of its service and doctor: booking keeps only their ids."""
    view = dict(entry)
    try:
        if entry.get("doctor_id") and entry.get("service_id"):
            ctx = doctor_context(entry["doctor_id"], entry["service_id"])
            view.update(service=ctx.get("service"), doctor=ctx.get("doctor"),
                        organization=ctx.get("organization"))
        elif entry.get("organization_id"):
            view["service"] = next((s for s in org_services(entry["organization_id"])
                                    if s.get("id") == entry.get("service_id")), None)
    except ApiError:
        pass  # the catalog is unavailable: the ids are shown instead of the names
    if not isinstance(view.get("service"), dict):
        view.pop("service", None)
    return view


@bp.get("/cabinet")
@login_required
def index():
    token = access_token()
    active = get_json("booking", "/v1/appointments", params={"status": "active"},
                      token=token).get("items", [])
    past = get_json("booking", "/v1/appointments", params={"status": "past"},
                    token=token).get("items", [])
    waitlist = [_waitlist_view(entry) for entry in
                get_json("booking", "/v1/waitlist", token=token).get("items", [])]
    return page("cabinet.html",
                active=[{**appointment_view(a), "flag_reason": _flag(a)} for a in active],
                past=[appointment_view(a) for a in past], waitlist=waitlist,
                referrals=referrals.cabinet_views(token, org_services),
                breadcrumbs=[("Главная", url_for("browse.home")), ("Личный кабинет", None)])


@bp.get("/cabinet/appointments/<appointment_id>/cancel")
@login_required
def cancel_confirm(appointment_id: str):
    appointment = get_json("booking", f"/v1/appointments/{q(appointment_id)}",
                           token=access_token())
    return page("cancel.html", a=appointment_view(appointment),
                breadcrumbs=[*CRUMBS, ("Отмена записи", None)])


@bp.post("/cabinet/appointments/<appointment_id>/cancel")
@login_required
def cancel(appointment_id: str):
    answer = call("booking", "POST", f"/v1/appointments/{q(appointment_id)}/cancel",
                  token=access_token())
    if answer.status == 401:
        raise LoginExpired()
    if answer.ok:
        flash("Запись отменена.", "success")
    else:
        flash(forms.booking_error_message(answer.error()), "error")
    return redirect(url_for("cabinet.index"))


@bp.get("/cabinet/appointments/<appointment_id>/reschedule")
@login_required
def reschedule_start(appointment_id: str):
    appointment = get_json("booking", f"/v1/appointments/{q(appointment_id)}",
                           token=access_token())
    doctor_id = (appointment.get("doctor") or {}).get("id", "")
    service_id = (appointment.get("service") or {}).get("id", "")
    return redirect(with_query(url_for("browse.doctor_grid", doctor_id=doctor_id),
                               service_id=service_id, reschedule=appointment_id))


@bp.post("/cabinet/appointments/<appointment_id>/reschedule")
@login_required
def reschedule(appointment_id: str):
    slot_id = request.form.get("slot_id", "")
    # One key per (appointment, new time): a double click or a refresh moves it only once.
    keys = dict(session.get("reschedule_keys") or {})
    key_name = f"{appointment_id}:{slot_id}"
    keys.setdefault(key_name, str(uuid.uuid4()))
    session["reschedule_keys"] = dict(list(keys.items())[-10:])
    answer = call("booking", "POST", f"/v1/appointments/{q(appointment_id)}/reschedule",
                  json={"slot_id": slot_id}, token=access_token(),
                  idempotency_key=keys[key_name])
    if answer.status == 401:
        raise LoginExpired()
    if answer.ok:
        flash("Запись перенесена на новое время. Распечатайте новый талон.", "success")
        return redirect(url_for("booking.talon", appointment_id=appointment_id))
    flash(forms.booking_error_message(answer.error()) +
          " Прежняя запись сохранена.", "error")
    back = with_query(url_for("browse.doctor_day", doctor_id=request.form.get("doctor_id", "")),
                      service_id=request.form.get("service_id"), date=request.form.get("date"),
                      reschedule=appointment_id)
    return redirect(back if request.form.get("doctor_id") else url_for("cabinet.index"))


@bp.post("/waitlist")
@login_required
def waitlist_add():
    form = request.form
    body = {"organization_id": form.get("organization_id", ""),
            "service_id": form.get("service_id", "")}
    if form.get("doctor_id"):
        body["doctor_id"] = form["doctor_id"]
    start = forms.parse_day(form.get("from"), today())
    body["from"] = start.isoformat()
    # The booking service needs both ends of the period; the day page's button sends only the
    # day, so the patient waits for a time within the two weeks that the doctor's grid shows.
    default_end = start + timedelta(days=max(1, settings().grid_days) - 1)
    body["to"] = forms.parse_day(form.get("to"), default_end).isoformat()
    answer = call("booking", "POST", "/v1/waitlist", json=body, token=access_token(),
                  idempotency_key=str(uuid.uuid4()))
    if answer.status == 401:
        raise LoginExpired()
    if answer.ok:
        flash("Вы в листе ожидания: мы сообщим, когда появится свободное время.", "success")
    else:
        flash(answer.error().get("message") or "Не удалось встать в лист ожидания.", "error")
    return redirect(url_for("cabinet.index"))


@bp.post("/waitlist/<entry_id>/delete")
@login_required
def waitlist_delete(entry_id: str):
    answer = call("booking", "DELETE", f"/v1/waitlist/{q(entry_id)}", token=access_token())
    if answer.status == 401:
        raise LoginExpired()
    if answer.ok or answer.status == 404:
        flash("Заявка удалена из листа ожидания.", "success")
    else:
        flash(answer.error().get("message") or "Не удалось удалить заявку.", "error")
    return redirect(url_for("cabinet.index"))
