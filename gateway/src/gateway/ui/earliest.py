"""The «Ближайшее свободное время» block of the doctor-list page: the first free times of the
service across its doctors, in this organization, its district or the whole region; each time a
button that goes on like a time chosen on a doctor's day (``booking.hold`` → confirm).

Templates call ``earliest_block(org, service)`` (a Jinja global), so the page's view is untouched.
"""
from __future__ import annotations

import logging

from flask import current_app, request, url_for
from regcommon.errors import ApiError
from regcommon.jwt_verify import InvalidToken

from .. import earliest
from . import forms
from .common import access_token, with_query

log = logging.getLogger(__name__)
SCOPES = (("organization", "В этой организации"), ("district", "В районе"),
          ("region", "Во всей области"))
LIMIT = 6
PARAM = "earliest"


def _attachments() -> list[dict] | None:
    """The logged-in patient's attachments (their token's claims); None for visitors, staff, or
    a token that no longer verifies (the booking itself checks again)."""
    token = access_token()
    if not token:
        return None
    try:
        claims = current_app.extensions["jwt_verifier"].verify(token)
    except (InvalidToken, Exception):  # noqa: BLE001 - an unverifiable token: show everything
        return None
    found = claims.get("attachments") if claims.get("role") == "patient" else None
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else None


def _scope(org: dict, service: dict, chosen: str) -> earliest.Scope:
    if chosen == "district" and org.get("district_id"):
        return earliest.Scope(service["id"], district_id=org["district_id"])
    if chosen == "region":
        return earliest.Scope(service["id"])
    return earliest.Scope(service["id"], organization_id=org["id"])


def _view(item: dict, org: dict) -> dict:
    time = forms.hhmm(item["start"])
    doctor = item["doctor"].get("full_name") or "врач"
    place = item["organization"].get("short_name") or item["organization"].get("name") or ""
    day = forms.human_date(item["date"])
    return {**item, "time": time, "day_label": day, "doctor_name": doctor, "place": place,
            "elsewhere": item["organization"]["id"] != org["id"],
            "label": f"Записаться на {day} в {time}, {doctor}" + (f", {place}" if place else "")}


def block(org: dict, service: dict) -> dict:
    """What ``_earliest.html`` shows: the scope tabs, the times, or a message."""
    chosen = request.args.get(PARAM, "organization")
    if chosen not in dict(SCOPES):
        chosen = "organization"
    base = request.path
    tabs = [{"id": key, "label": label, "current": key == chosen,
             "link": with_query(base, **{PARAM: None if key == "organization" else key})}
            for key, label in SCOPES]
    result = {"tabs": tabs, "scope": chosen, "items": [], "error": None,
              "attachment_note": bool(service.get("requires_attachment"))}
    try:
        items = earliest.search(_scope(org, service, chosen), limit=LIMIT,
                                attachments=_attachments())
    except ApiError as exc:
        result["error"] = exc.message if exc.status < 500 else \
            "Не удалось найти ближайшее время. Выберите врача из списка."
        return result
    except Exception:  # noqa: BLE001 - the doctor list still works without the block
        log.warning("earliest search failed", exc_info=True)
        result["error"] = "Не удалось найти ближайшее время. Выберите врача из списка."
        return result
    result["items"] = [_view(item, org) for item in items]
    return result


def doctor_link(item: dict) -> str:
    return with_query(url_for("browse.doctor_day", doctor_id=item["doctor"]["id"]),
                      service_id=item["service_id"], date=item["date"])


def register(app) -> None:
    app.jinja_env.globals.update(earliest_block=block, earliest_doctor_link=doctor_link)
