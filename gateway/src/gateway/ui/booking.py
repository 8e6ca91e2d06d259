"""Steps 7–8 of the seed: a time (held once logged in) → agreement → login → booked → talon."""
from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from flask import Blueprint, Response, redirect, request, session, url_for

from . import forms
from .browse import doctor_context, free_times
from .common import (access_token, call, flash, forget_login, get_json, keep_fresh_token,
                     login_required, login_url, page, q, with_query)

log = logging.getLogger(__name__)
bp = Blueprint("booking", __name__)


def _day_link(state: dict) -> str:
    return with_query(url_for("browse.doctor_day", doctor_id=state.get("doctor_id", "")),
                      service_id=state.get("service_id"), date=state.get("date"))


def _release_hold(state: dict | None) -> None:
    if state and state.get("hold_id"):
        try:
            call("schedule", "DELETE", f"/v1/holds/{q(state['hold_id'])}")
        except Exception:  # noqa: BLE001 - the hold expires by itself anyway
            log.warning("could not release hold %s", state.get("hold_id"))


@bp.post("/book/hold")
def hold():
    """The chosen time. Holds need a login (schedule refuses anonymous ones): a logged-in patient's
    choice is held; a visitor's is kept in the session only, and the booking after the login
    takes it or shows the "time taken" page with the next free times."""
    form = request.form
    state = {"slot_id": form.get("slot_id", ""), "service_id": form.get("service_id", ""),
             "doctor_id": form.get("doctor_id", ""), "date": form.get("date", ""),
             "time": form.get("time", "")}
    if not all(state[key] for key in ("slot_id", "service_id", "doctor_id")):
        flash("Выберите время приёма.", "error")
        return redirect(url_for("browse.home"))
    _release_hold(session.get("booking"))
    session.pop("booking", None)
    answer = _hold_for_patient(state) if access_token() else None
    if answer is None:
        if not _still_free(state):
            return _to_taken(state)
    elif answer.status == 201:
        data = answer.json()
        state.update(hold_id=data.get("hold_id"), expires_at=data.get("expires_at"))
    elif answer.error().get("code") == "slot_unavailable":
        return _to_taken(state)
    elif answer.error().get("code") not in HOLD_OPTIONAL:
        flash(forms.booking_error_message(answer.error()), "error")
        return redirect(_day_link(state))
    session["booking"] = state
    return redirect(url_for("booking.consent"))


# Refusals after which the patient goes on without a hold: the booking itself still takes the
# time if it is free (a hold only keeps it during the agreement).
HOLD_OPTIONAL = ("too_many_holds", "too_many_holds_for_day")


def _hold_for_patient(state: dict):
    """Hold the time with the patient's token; None when the login has expired meanwhile."""
    body = {"session_id": session.public_id} if session.public_id else {}
    answer = call("schedule", "POST", f"/v1/slots/{q(state['slot_id'])}/hold", json=body,
                  token=access_token())
    if answer.status == 401:
        forget_login()
        return None
    return answer


def _still_free(state: dict) -> bool:
    """Whether the visitor's time is still shown free (no hold: the booking decides later)."""
    times = free_times(state["doctor_id"], state["service_id"], state.get("date", ""))
    return any(str(t.get("id")) == state["slot_id"] and t.get("bookable") for t in times)


def _to_taken(state: dict):
    """Offer the next free times of that doctor (this day and the next) at once."""
    session["taken"] = {k: state.get(k) for k in ("doctor_id", "service_id", "date", "time")}
    return redirect(url_for("booking.taken"))


def _booking_or_home():
    state = session.get("booking")
    if not state:
        flash("Сначала выберите врача и время приёма.", "warning")
    return state


@bp.get("/book/consent")
def consent():
    state = _booking_or_home()
    if not state:
        return redirect(url_for("browse.home"))
    agreement = get_json("auth", "/v1/consent")
    return page("consent.html", agreement=agreement, state=state,
                breadcrumbs=[("Главная", url_for("browse.home")),
                             ("Выбор времени", _day_link(state)),
                             ("Соглашение", None)])


@bp.post("/book/consent")
def consent_decision():
    state = _booking_or_home()
    if not state:
        return redirect(url_for("browse.home"))
    if request.form.get("decision") != "accept":
        _release_hold(state)
        session.pop("booking", None)
        flash("Вы отказались от соглашения об обработке персональных данных. Без него запись "
              "невозможна; выбранное время освобождено.", "warning")
        return redirect(_day_link(state))
    version = request.form.get("version", "")
    answer = call("auth", "POST", "/v1/consents",
                  json={"version": version, "session_id": session.public_id},
                  token=access_token())
    if answer.status == 422:
        flash("Текст соглашения обновился. Ознакомьтесь с ним ещё раз.", "warning")
        return redirect(url_for("booking.consent"))
    if not answer.ok:
        log.warning("consent not recorded by auth: %s", answer.status)
    keep_fresh_token(answer)
    state = {**state, "consent_version": version}
    session["booking"] = state
    if not access_token():
        return redirect(login_url(url_for("booking.confirm")))
    return redirect(url_for("booking.confirm"))


def _summary(state: dict) -> dict:
    ctx = doctor_context(state["doctor_id"], state["service_id"])
    return {"ctx": ctx, "when": f"{forms.human_date(state.get('date', ''))}, {state.get('time')}"}


@bp.get("/book/confirm")
def confirm():
    state = _booking_or_home()
    if not state:
        return redirect(url_for("browse.home"))
    if not state.get("consent_version"):
        return redirect(url_for("booking.consent"))
    if not access_token():
        return redirect(login_url(url_for("booking.confirm")))
    return page("confirm.html", state=state, error=state.get("error"), **_summary(state),
                breadcrumbs=[("Главная", url_for("browse.home")),
                             ("Выбор времени", _day_link(state)), ("Подтверждение", None)])


@bp.post("/book/confirm")
def confirm_post():
    state = _booking_or_home()
    if not state:
        return redirect(url_for("browse.home"))
    return perform_booking()


def perform_booking():
    """Book the held time. The Idempotency-Key lives in the session: a refresh never books twice."""
    state = dict(session.get("booking") or {})
    token = access_token()
    if not token:
        return redirect(login_url(url_for("booking.confirm")))
    if not state.get("consent_version"):
        return redirect(url_for("booking.consent"))
    state.setdefault("idem_key", str(uuid.uuid4()))
    session["booking"] = state
    body = {"slot_id": state["slot_id"], "service_id": state["service_id"],
            "consent_version": state["consent_version"]}
    if state.get("hold_id"):
        body["hold_id"] = state["hold_id"]
    answer = call("booking", "POST", "/v1/appointments", json=body, token=token,
                  idempotency_key=state["idem_key"])
    if answer.status in (200, 201):
        appointment = answer.json()
        session.pop("booking", None)
        flash("Вы записаны на приём. Распечатайте талон.", "success")
        return redirect(url_for("booking.talon", appointment_id=appointment["id"]))
    error = answer.error()
    code = error.get("code", "")
    if answer.status == 401:
        forget_login()
        flash("Срок входа истёк. Войдите снова.", "warning")
        return redirect(login_url(url_for("booking.confirm")))
    if code == "slot_unavailable":
        session.pop("booking", None)
        return _to_taken(state)
    if code == "consent_required":
        state.pop("consent_version", None)
        state.pop("idem_key", None)
        session["booking"] = state
        flash(forms.booking_error_message(error), "warning")
        return redirect(url_for("booking.consent"))
    state["error"] = {"code": code, "message": forms.booking_error_message(error)}
    state.pop("idem_key", None)  # the next try is a new request (e.g. after cancelling another)
    session["booking"] = state
    return redirect(url_for("booking.confirm"))


def next_free_times(doctor_id: str, service_id: str, day: str, limit_days: int = 2) -> list:
    """Free times of that day and the following bookable days (for "the time was just taken")."""
    result = []
    try:
        start = date.fromisoformat(day)
    except ValueError:
        return result
    days = get_json("schedule", f"/v1/doctors/{q(doctor_id)}/days",
                    params={"service_id": service_id, "from": start.isoformat(),
                            "to": (start + timedelta(days=13)).isoformat()}).get("items", [])
    candidates = [d["date"] for d in days if d.get("bookable")]
    if day not in candidates:
        candidates.insert(0, day)
    for candidate in candidates:
        times = [s for s in free_times(doctor_id, service_id, candidate) if s.get("bookable")]
        if times:
            result.append({"date": candidate, "label": forms.human_date(candidate),
                           "times": times[:12]})
        if len(result) >= limit_days:
            break
    return result


@bp.get("/book/taken")
def taken():
    state = session.get("taken")
    if not state:
        return redirect(url_for("browse.home"))
    ctx = doctor_context(state["doctor_id"], state["service_id"])
    offers = next_free_times(state["doctor_id"], state["service_id"], state.get("date", ""))
    return page("taken.html", state=state, ctx=ctx, offers=offers,
                message=forms.TAKEN_MESSAGE,
                breadcrumbs=[("Главная", url_for("browse.home")),
                             ("Выбор времени", _day_link(state)), ("Время занято", None)])


def _appointment(appointment_id: str) -> dict:
    return get_json("booking", f"/v1/appointments/{q(appointment_id)}", token=access_token())


def appointment_view(appointment: dict) -> dict:
    start = appointment.get("start")
    return {**appointment, "date_label": forms.human_date(start) if start else "",
            "time_label": forms.hhmm(start)}


@bp.get("/appointments/<appointment_id>/talon")
@login_required
def talon(appointment_id: str):
    appointment = appointment_view(_appointment(appointment_id))
    return page("talon.html", a=appointment,
                breadcrumbs=[("Главная", url_for("browse.home")),
                             ("Личный кабинет", url_for("cabinet.index")), ("Талон", None)])


@bp.get("/appointments/<appointment_id>/print")
@login_required
def print_talon(appointment_id: str):
    appointment = appointment_view(_appointment(appointment_id))
    return page("print.html", a=appointment)


@bp.get("/appointments/<appointment_id>/ticket.pdf")
@login_required
def ticket_pdf(appointment_id: str):
    from ..proxy import ticket_pdf as fetch_pdf

    kind, payload, headers = fetch_pdf(appointment_id, f"Bearer {access_token()}")
    if kind == "pdf":
        # «Скачать PDF» downloads the file (tickets answers "inline", which opens a viewer).
        return Response(payload, status=200, headers={
            **headers, "Content-Disposition": headers["Content-Disposition"].replace(
                "inline", "attachment", 1)})
    if kind == "rendering":
        return page("ticket_wait.html", status=202, appointment_id=appointment_id,
                    retry_after=payload)
    if payload.status == 401:
        forget_login()
        return redirect(login_url(request.path))
    payload.raise_as_api_error()


@bp.get("/appointments/<appointment_id>/calendar.ics")
@login_required
def calendar(appointment_id: str):
    answer = call("booking", "GET", f"/v1/appointments/{q(appointment_id)}/calendar.ics",
                  token=access_token())
    if answer.status != 200:
        answer.raise_as_api_error()
    return Response(answer.content, status=200, headers={
        "Content-Type": answer.headers.get("Content-Type", "text/calendar; charset=utf-8"),
        "Content-Disposition": answer.headers.get(
            "Content-Disposition", f'attachment; filename="appointment-{appointment_id}.ics"')})
