"""Administration: per-organization settings, catalog import, the audit trail."""
from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, request, url_for
from regcommon.instants import zone

from . import forms, lookups, upstream
from .guards import admin_required, login_required, page, require_organization

DEFAULT_SETTINGS = {"booking_horizon_days": 14, "day_opens_at": "07:00",
                    "same_day_booking": False, "cancel_cutoff_hours": 0,
                    "no_show_limit": 0, "no_show_window_days": 90, "no_show_suspend_days": 30}
AUDIT_FILTERS = ("actor_id", "patient_id", "appointment_id", "from", "to")
ACTIONS = {"appointment.create": "запись", "appointment.cancel": "отмена",
           "appointment.reschedule": "перенос", "appointment.attendance": "отметка явки",
           "book": "запись", "cancel": "отмена", "reschedule": "перенос"}


def _organization_id() -> str:
    if g.staff.is_admin:
        return request.values.get("organization_id", "").strip()
    return g.staff.organization_id or ""


def _current_settings(organization_id: str) -> tuple[dict, bool]:
    """The organization's settings, and whether they are the real ones (not the defaults)."""
    try:
        found = upstream.call("catalog", "GET",
                              f"/v1/admin/organizations/{organization_id}/settings",
                              token=g.staff.token)
    except upstream.UpstreamError as exc:
        if exc.status not in (404, 405):
            raise
        found = (lookups.organization(organization_id) or {}).get("settings")
    if isinstance(found, dict):
        found = found.get("settings", found)
    if not isinstance(found, dict) or not found:
        return dict(DEFAULT_SETTINGS), False
    return {**DEFAULT_SETTINGS, **{k: v for k, v in found.items() if k in DEFAULT_SETTINGS}}, True


def _read_settings(form) -> tuple[dict, dict]:
    errors, body = {}, {}
    for name, low, high in (("booking_horizon_days", 1, 90), ("cancel_cutoff_hours", 0, 72),
                            ("no_show_limit", 0, 20), ("no_show_window_days", 1, 365),
                            ("no_show_suspend_days", 1, 365)):
        if name.startswith("no_show") and name not in form:
            continue  # a form drawn before the no-show rule existed: left as it is
        try:
            body[name] = int(form.get(name, "").strip())
            if not low <= body[name] <= high:
                raise ValueError
        except ValueError:
            errors[name] = f"Целое число от {low} до {high}"
            body[name] = form.get(name, "")
    opens = form.get("day_opens_at", "").strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", opens):
        errors["day_opens_at"] = "Время в формате ЧЧ:ММ"
    body["day_opens_at"] = opens
    body["same_day_booking"] = form.get("same_day_booking") == "on"
    return body, errors


def _settings_page(organization_id: str, values: dict, errors: dict, status: int = 200,
                   error: str | None = None, known: bool = True):
    return page("staff/settings.html", status, organization_id=organization_id,
                values=values, errors=errors, error=error, known=known,
                organization_name=lookups.organization_name(organization_id))


@login_required
def settings():
    organization_id = _organization_id()
    if not organization_id:
        return _settings_page("", {}, {})
    require_organization(organization_id)
    if request.method == "GET":
        values, known = _current_settings(organization_id)
        return _settings_page(organization_id, values, {}, known=known)
    body, errors = _read_settings(request.form)
    if errors:
        return _settings_page(organization_id, body, errors, 422)
    try:
        upstream.call("catalog", "PUT", f"/v1/admin/organizations/{organization_id}/settings",
                      token=g.staff.token, json=body)
    except upstream.UpstreamError as exc:
        if exc.status not in (409, 422):
            raise
        return _settings_page(organization_id, body, exc.fields, exc.status, exc.message)
    flash("Настройки организации сохранены", "success")
    return redirect(url_for("staff.settings",
                            organization_id=organization_id if g.staff.is_admin else None))


@admin_required
def import_catalog():
    upload = request.files.get("region_file")
    try:
        document = json.loads((upload.read() if upload else b"").decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _settings_page("", {}, {}, 422,
                              "Файл не прочитан: нужен JSON формата registratura-region/1")
    try:
        answer = upstream.call("catalog", "POST", "/v1/admin/import", token=g.staff.token,
                               json=document, ok=(200, 201, 202))
    except upstream.UpstreamError as exc:
        if exc.status not in (400, 409, 413, 422):
            raise
        details = "; ".join(f"{k}: {v}" for k, v in (exc.fields or {}).items())
        return _settings_page("", {}, {}, exc.status,
                              exc.message + (f" ({details})" if details else ""))
    counts = ", ".join(f"{k}: {v}" for k, v in (answer or {}).items()
                       if isinstance(v, (int, float)))
    flash("Справочник загружен" + (f" ({counts})" if counts else ""), "success")
    return redirect(url_for("staff.settings"))


def _zone() -> ZoneInfo:
    return zone(getattr(current_app.extensions.get("settings"), "timezone", None))


def _local(value) -> str | None:
    """The audit stores UTC; the registrar reads local (clinic) time."""
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return value
    return moment.astimezone(_zone()).isoformat() if moment.tzinfo else moment.isoformat()


def _audit_params(query: dict) -> tuple[dict, str | None]:
    """Dates typed in the filter -> the instants the booking service filters on ([from, to]),
    or the message about a date that is not one."""
    params = {k: v for k, v in query.items() if k not in ("from", "to") and v}
    for name, shift, what in (("from", 0, "Начало периода"), ("to", 1, "Конец периода")):
        if not query[name]:
            continue
        day = forms.parse_date(query[name])
        if day is None:
            return params, forms.date_error(what, "01.12.2026")
        params[name] = datetime.combine(day + timedelta(days=shift), time(0), _zone()).isoformat()
    return params, None


def _entry(item: dict) -> dict:
    actor = item.get("actor") if isinstance(item.get("actor"), dict) else {}
    return {
        "at": _local(item.get("created_at") or item.get("at") or item.get("occurred_at")),
        "actor": actor.get("name") or item.get("actor_name") or actor.get("id")
        or item.get("actor_id") or "",
        "role": actor.get("role") or item.get("actor_role") or "",
        "action": ACTIONS.get(item.get("action"), item.get("action") or ""),
        "appointment_id": item.get("appointment_id") or "",
        "patient_id": item.get("patient_id") or "",
        "ip": item.get("ip") or item.get("client_ip") or "",
        "user_agent": item.get("user_agent") or "",
        "details": item.get("details") if isinstance(item.get("details"), dict) else {},
    }


@admin_required
def audit():
    query = {key: request.args.get(key, "").strip() for key in AUDIT_FILTERS}
    params, error = _audit_params(query)
    if error:
        return page("staff/audit.html", 422, query=query, entries=[], error=error)
    answer = upstream.call("booking", "GET", "/v1/admin/audit", token=g.staff.token,
                           params=params)
    entries = [_entry(item) for item in upstream.items(answer) if isinstance(item, dict)]
    return page("staff/audit.html", query=query, entries=entries)


def add_routes(bp) -> None:
    bp.add_url_rule("/settings", "settings", settings, methods=["GET", "POST"])
    bp.add_url_rule("/settings/import", "import_catalog", import_catalog, methods=["POST"])
    bp.add_url_rule("/audit", "audit", audit)
