"""«Ближайшее свободное время»: the first free times of a service across its doctors, in an
organization, a district or the whole region.

The one implementation behind ``GET /api/v1/earliest-slots``, the booking flow's block and FHIR
``Appointment/$find``: the catalog says which organizations offer the service's kind (and, for
the attachment rule, which of their doctors serve the patient's area); schedule's
``POST /internal/earliest-slots`` finds the slots from its per-day counters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from regcommon.attachment import is_attached
from regcommon.errors import ApiError, ValidationFailed
from regcommon.jwt_verify import InvalidToken, bearer_token, invalid_token_error

from .upstreams import call, get_json, q

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
FIND_LIMIT = 200  # schedule's most per search (FHIR $find pages)
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")
NOT_ONLINE = "Эта услуга не записывается через портал: запишитесь в регистратуре"


@dataclass(frozen=True)
class Scope:
    service_id: str
    organization_id: str | None = None
    district_id: str | None = None


def schedule_slots(service_ids, doctor_ids=None, *, start: datetime | None = None,
                   until: datetime | None = None, limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Schedule's earliest free portal slots of the services' doctors (all of them, or those of
    ``doctor_ids``): {slot_id, start, end, date, doctor_id, organization_id, service_id}."""
    body: dict = {"service_ids": sorted(set(service_ids)), "limit": limit}
    if doctor_ids is not None:
        if not doctor_ids:
            return []
        body["doctor_ids"] = sorted(set(doctor_ids))
    if start is not None:
        body["from"] = start.isoformat()
    if until is not None:
        body["until"] = until.isoformat()
    answer = call("schedule", "POST", "/internal/earliest-slots", json=body, internal=True)
    if answer.status != 200:
        answer.raise_as_api_error()
    return answer.json()["items"]


def _index():
    """The in-memory catalog view (catalog_index.py); None until its first snapshot."""
    holder = current_app.extensions.get("catalog_index")
    return holder.current() if holder is not None else None


def _offers(scope: Scope, **extra) -> dict:
    index = _index()
    if index is not None:
        restrict = extra.get("organization_ids")
        return index.offers(scope.service_id, organization_id=scope.organization_id,
                            district_id=scope.district_id,
                            organization_ids=restrict.split(",") if restrict else None,
                            with_doctors=bool(extra.get("doctors")))
    params = {k: v for k, v in (("organization_id", scope.organization_id),
                                ("district_id", scope.district_id)) if v}
    params.update(extra)
    return get_json("catalog", f"/internal/services/{q(scope.service_id)}/offers", params=params,
                    internal=True, cached=True)


def _attached_doctors(scope: Scope, items: list[dict], attachments: list[dict]) -> dict:
    """Of the organizations the patient is attached to, the doctors serving their area."""
    orgs = sorted({i["organization"]["id"] for i in items} &
                  {str(a.get("organization_id")) for a in attachments})
    if not orgs:
        return {}
    listed = _offers(scope, organization_ids=",".join(orgs), doctors="1")["items"]
    return {d["id"]: d for i in listed for d in i.get("doctors", [])
            if i["requires_attachment"] and is_attached(attachments, i["organization"]["id"],
                                                         d.get("areas") or [])}


def _names(slots: list[dict], known: dict) -> dict:
    missing = sorted({s["doctor_id"] for s in slots} - set(known))
    index = _index() if missing else None
    if index is not None:
        known = {**known, **index.doctor_names(missing)}
        missing = sorted(set(missing) - set(known))
    if missing:
        found = get_json("catalog", "/internal/doctors", params={"ids": ",".join(missing)},
                         internal=True, cached=True)["items"]
        known = {**known, **{d["id"]: d for d in found}}
    return known


def search(scope: Scope, *, limit: int = DEFAULT_LIMIT, start: datetime | None = None,
           attachments: list[dict] | None = None) -> list[dict]:
    """The first ``limit`` free times, by start then doctor. ``attachments``: the logged-in
    patient's (services that need attachment then show only their doctors); None: anyone."""
    with_doctors = {"doctors": "1"} if scope.organization_id else {}
    offers = _offers(scope, **with_doctors)
    if not offers["service"]["self_bookable"]:
        raise ApiError(422, "not_self_bookable", NOT_ONLINE)
    items = [i for i in offers["items"] if i["self_bookable"]]
    known = {d["id"]: d for i in items for d in i.get("doctors", [])}
    orgs = {i["organization"]["id"]: i["organization"] for i in items}
    open_items = [i for i in items if attachments is None or not i["requires_attachment"]]
    slots = schedule_slots([i["service_id"] for i in open_items], start=start, limit=limit) \
        if open_items else []
    if len(open_items) < len(items):
        allowed = _attached_doctors(scope, [i for i in items if i not in open_items], attachments)
        known.update(allowed)
        restricted = [i["service_id"] for i in items if i not in open_items]
        slots += schedule_slots(restricted, list(allowed), start=start, limit=limit)
        slots.sort(key=lambda s: (datetime.fromisoformat(s["start"]), s["doctor_id"]))
        slots = slots[:limit]
    names = _names(slots, known)
    return [present(s, names.get(s["doctor_id"], {}), orgs.get(s["organization_id"], {}))
            for s in slots]


def present(slot: dict, doctor: dict, org: dict) -> dict:
    return {"slot_id": slot["slot_id"], "start": slot["start"], "end": slot["end"],
            "date": slot["date"], "service_id": slot["service_id"],
            "doctor": {"id": slot["doctor_id"], "full_name": doctor.get("full_name", "")},
            "organization": {"id": slot["organization_id"], "name": org.get("name", ""),
                             "short_name": org.get("short_name", "")}}


# --- the public API ------------------------------------------------------------------------

def _id(args, name: str, required: bool = False) -> str | None:
    raw = args.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationFailed({name: "Обязательный параметр"})
        return None
    if not ID.match(raw):
        raise ValidationFailed({name: "Некорректный идентификатор"})
    return raw


def _start(args, zone) -> datetime | None:
    raw = args.get("from", "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.min, zone)
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None or len(raw) > 40:
            raise ValueError(raw)
        return value
    except ValueError:
        raise ValidationFailed({"from": "Дата ГГГГ-ММ-ДД или момент времени со смещением"}) \
            from None


def parse(args, zone) -> tuple[Scope, int, datetime | None]:
    """The query of ``GET /api/v1/earliest-slots``; every mistake a 422 naming the parameter."""
    scope = Scope(_id(args, "service_id", True), _id(args, "organization_id"),
                  _id(args, "district_id"))
    if scope.organization_id and scope.district_id:
        raise ValidationFailed({"district_id": "Укажите организацию или район, не оба"})
    raw = args.get("limit", str(DEFAULT_LIMIT)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed({"limit": f"Целое число от 1 до {MAX_LIMIT}"})
    start = _start(args, zone)
    if start is not None and not 1900 <= start.year <= 9000:
        raise ValidationFailed({"from": "Дата ГГГГ-ММ-ДД или момент времени со смещением"})
    return scope, int(raw), start


def caller_attachments(token: str | None) -> list[dict] | None:
    """A patient's attachments from their token's claims; None for anonymous callers and staff
    (who book for anyone). A token that does not verify is a 401."""
    if not token:
        return None
    try:
        claims = current_app.extensions["jwt_verifier"].verify(token)
    except InvalidToken as exc:
        raise invalid_token_error(str(exc)) from None
    if claims.get("role") != "patient":
        return None
    found = claims.get("attachments")
    # A token from before the patient claims: unknown, so nothing is hidden (booking decides).
    return [a for a in found if isinstance(a, dict)] if isinstance(found, list) else None


def api():
    zone = ZoneInfo(current_app.extensions["settings"].timezone)
    scope, limit, start = parse(request.args, zone)
    token = bearer_token()
    items = search(scope, limit=limit, start=start, attachments=caller_attachments(token))
    response = jsonify({"items": items})
    response.headers["Cache-Control"] = "private, no-store" if token else "no-cache"
    return response
