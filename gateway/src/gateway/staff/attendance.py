"""Attendance at the reception: the day's appointments with «Пришёл» / «Не пришёл» once their
time has passed, and the no-show counts per doctor and for the organization over a period."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import flash, g, redirect, request, url_for
from regcommon.instants import zone

from . import forms, lookups, upstream
from .guards import login_required, page, require_organization

MARKS = {"attended": "пришёл", "no_show": "не пришёл"}
DEFAULT_PERIOD_DAYS = 30


def _organization_id() -> str:
    if g.staff.is_admin:
        return request.values.get("organization_id", "").strip()
    return g.staff.organization_id or ""


def _bounds(organization_id: str, first: date, last: date) -> dict:
    """The local days [first, last] of the organization as instants for booking."""
    tz = zone((lookups.organization(organization_id) or {}).get("timezone"))
    since = datetime.combine(first, time.min, tzinfo=tz)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return {"from": since.isoformat(), "to": until.isoformat(), "organization_id": organization_id}


def _day(organization_id: str) -> tuple[date, str | None]:
    typed = request.values.get("date", "").strip()
    if not typed:
        return lookups.local_today(organization_id), None
    day = forms.parse_date(typed)
    if day is None:
        return lookups.local_today(organization_id), forms.date_error("Дата", "12.01.2027")
    return day, None


@login_required
def day_list():
    organization_id = _organization_id()
    if not organization_id:
        return page("staff/attendance.html", organization_id="", items=[], day=None, error=None)
    require_organization(organization_id)
    day, error = _day(organization_id)
    params = {**_bounds(organization_id, day, day),
              "doctor_id": request.args.get("doctor_id", "").strip()}
    items = upstream.items(upstream.call("booking", "GET", "/v1/admin/attendance",
                                         token=g.staff.token, params=params))
    return page("staff/attendance.html", 422 if error else 200, organization_id=organization_id,
                organization_name=lookups.organization_name(organization_id), items=items,
                day=day, error=error, marks=MARKS, doctor_id=params["doctor_id"])


@login_required
def mark(appointment_id: str):
    choice = request.form.get("attended")
    back = {"date": request.form.get("date", ""), "doctor_id": request.form.get("doctor_id", "")}
    if g.staff.is_admin:
        back["organization_id"] = request.form.get("organization_id", "")
    back = {k: v for k, v in back.items() if v}
    if choice not in ("1", "0"):
        flash("Выберите «Пришёл» или «Не пришёл»", "error")
        return redirect(url_for("staff.attendance", **back))
    try:
        answer = upstream.call("booking", "POST", f"/v1/appointments/{appointment_id}/attendance",
                               token=g.staff.token, json={"attended": choice == "1"}) or {}
    except upstream.UpstreamError as exc:
        if exc.status in (401, 503):
            raise
        flash(exc.message, "error")
        return redirect(url_for("staff.attendance", **back))
    who = (answer.get("patient") or {}).get("full_name") or "Пациент"
    flash(f"{who}: отмечено «{MARKS.get(answer.get('attendance'), '')}»", "success")
    suspension = answer.get("suspension")
    if choice == "0" and suspension:
        flash(f"Онлайн-запись пациента приостановлена до {suspension.get('ends_on')}: "
              "записать его можно через регистратуру", "success")
    return redirect(url_for("staff.attendance", **back))


def _period(organization_id: str) -> tuple[date, date, dict]:
    today = lookups.local_today(organization_id)
    errors: dict[str, str] = {}
    first = forms.parse_date(request.args.get("from")) if request.args.get("from") else \
        today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    last = forms.parse_date(request.args.get("to")) if request.args.get("to") else today
    if first is None:
        errors["from"] = forms.date_error("Начало периода", "01.12.2026")
    if last is None:
        errors["to"] = forms.date_error("Конец периода", "31.12.2026")
    if first and last and (last < first or (last - first).days > 365):
        errors["to"] = "Конец периода — не раньше начала и не позже чем через год"
    if errors:
        first, last = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today
    return first, last, errors


@login_required
def counts():
    organization_id = _organization_id()
    if not organization_id:
        return page("staff/no_shows.html", organization_id="", counts=None, errors={})
    require_organization(organization_id)
    first, last, errors = _period(organization_id)
    found = upstream.call("booking", "GET", "/v1/admin/no-shows", token=g.staff.token,
                          params=_bounds(organization_id, first, last)) or {}
    values = {"from": request.args.get("from") or first.isoformat(),
              "to": request.args.get("to") or last.isoformat()}
    return page("staff/no_shows.html", 422 if errors else 200, organization_id=organization_id,
                organization_name=lookups.organization_name(organization_id), counts=found,
                first=first, last=last, values=values, errors=errors)


def add_routes(bp) -> None:
    bp.add_url_rule("/attendance", "attendance", day_list)
    bp.add_url_rule("/appointments/<appointment_id>/attendance", "mark_attendance", mark,
                    methods=["POST"])
    bp.add_url_rule("/no-shows", "no_shows", counts)
