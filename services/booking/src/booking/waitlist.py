"""The waiting list: patients ask to be told when a matching slot frees up; freed or newly opened
slots are offered to the oldest matching entry (``waitlist.offered``, tickets sends the message)."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import func, select, update

from regcommon.db import new_id, utcnow
from regcommon.outbox import add_event

from .adapters import store
from .adapters.tables import outbox, waitlist_entries
from .context import Actor, Deps
from .domain import errors, rules
from .inputs import REF, UUID_RE, parse_instant

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 90
# api.md makes the dates optional: from defaults to today, to to the standard two-week horizon.
DEFAULT_RANGE_DAYS = 13


def entry_json(row: dict) -> dict:
    return {"id": row["id"], "status": row["status"], "organization_id": row["organization_id"],
            "service_id": row["service_id"], "doctor_id": row["doctor_id"],
            "from": row["date_from"].isoformat(), "to": row["date_to"].isoformat(),
            "offered_slot_id": row["offered_slot_id"]}


def _date(body: dict, name: str) -> date | None:
    value = body.get(name)
    try:
        parsed = (date.fromisoformat(value) if isinstance(value, str) and len(value) == 10
                  else None)
    except ValueError:
        return None
    # Years far off are typos; near 9999 the default end date would overflow.
    return parsed if parsed is None or 1900 <= parsed.year <= 9000 else None


def parse_entry(body, today: date) -> dict:
    if not isinstance(body, dict):
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    fields: dict = {}
    out = {}
    for name, required in (("organization_id", True), ("service_id", True), ("doctor_id", False)):
        value = body.get(name)
        if value in (None, "") and not required:
            out[name] = None
        elif not isinstance(value, str) or not REF.match(value):
            fields[name] = "Обязательное поле" if value in (None, "") else "Недопустимое значение"
        else:
            out[name] = value
    for name in ("from", "to"):
        out[name] = _date(body, name)
        if out[name] is None and body.get(name) not in (None, ""):
            fields[name] = "Дата в формате ГГГГ-ММ-ДД"
    if not fields:
        out["from"] = out["from"] or today
        out["to"] = out["to"] or max(out["from"], today) + timedelta(days=DEFAULT_RANGE_DAYS)
    if not fields:
        if out["to"] < out["from"]:
            fields["to"] = "Дата окончания раньше даты начала"
        elif out["to"] < today:
            fields["to"] = "Период уже прошёл"
        elif (out["to"] - out["from"]).days > MAX_RANGE_DAYS:
            fields["to"] = f"Период не длиннее {MAX_RANGE_DAYS} дней"
    if fields:
        raise errors.InvalidInput(fields=fields)
    return out


def create(deps: Deps, actor: Actor, body, patient_id: str | None = None) -> dict:
    today = deps.clock().astimezone(rules.zone(None)).date()
    req = parse_entry(body, today)
    if actor.is_staff:
        if not patient_id or not UUID_RE.match(patient_id):
            raise errors.InvalidInput(fields={"patient_id": "Укажите пациента"})
        if not actor.may_act_in(req["organization_id"]):
            raise errors.Forbidden()
    else:
        patient_id = actor.id
    services = deps.catalog.organization_services(req["organization_id"])
    if services is None:
        raise errors.InvalidInput(fields={"organization_id": "Медицинская организация не найдена"})
    if not any(s.get("id") == req["service_id"] for s in services):
        raise errors.InvalidInput(fields={"service_id": "Услуга не найдена в этой организации"})
    patient = deps.auth.patient(patient_id)
    if patient is None:
        raise errors.PatientNotFound()
    now = utcnow()
    row = {"id": new_id(), "patient_id": patient_id, "organization_id": req["organization_id"],
           "service_id": req["service_id"], "doctor_id": req["doctor_id"],
           "date_from": req["from"], "date_to": req["to"], "status": "waiting",
           "offered_slot_id": None, "offered_at": None,
           "snapshot": {"full_name": patient.get("full_name"),
                        "contact": {"email": patient.get("email"), "phone": patient.get("phone")}},
           "created_at": now, "updated_at": now}
    limit = deps.settings.waitlist_max_active_per_patient
    with deps.engine.begin() as conn:
        if _active_entries(conn, patient_id) >= limit:
            raise errors.WaitlistLimitReached(limit)
        conn.execute(waitlist_entries.insert().values(**row))
    return entry_json(row)


def _active_entries(conn, patient_id: str) -> int:
    """Waiting or offered entries of the patient (a concurrent create may pass one over)."""
    w = waitlist_entries.c
    return conn.execute(select(func.count()).select_from(waitlist_entries).where(
        w.patient_id == patient_id, w.status.in_(("waiting", "offered")))).scalar_one()


def list_for(deps: Deps, actor: Actor, patient_id: str | None = None) -> list[dict]:
    pid = patient_id if actor.is_staff else actor.id
    if not pid:
        raise errors.InvalidInput(fields={"patient_id": "Укажите пациента"})
    query = (select(waitlist_entries).where(waitlist_entries.c.patient_id == pid,
                                            waitlist_entries.c.status != "cancelled")
             .order_by(waitlist_entries.c.created_at.desc()).limit(200))
    if actor.is_staff and actor.organization_id:
        query = query.where(waitlist_entries.c.organization_id == actor.organization_id)
    with deps.engine.connect() as conn:
        return [entry_json(dict(r)) for r in conn.execute(query).mappings()]


def cancel(deps: Deps, actor: Actor, entry_id: str) -> None:
    if not UUID_RE.match(entry_id or ""):
        raise errors.NotFound("Запись в листе ожидания не найдена")
    with deps.engine.begin() as conn:
        row = conn.execute(select(waitlist_entries).where(waitlist_entries.c.id == entry_id)
                           ).mappings().first()
        mine = row is not None and (actor.may_act_in(row["organization_id"]) if actor.is_staff
                                    else row["patient_id"] == actor.id)
        if not mine or row["status"] == "cancelled":
            raise errors.NotFound("Запись в листе ожидания не найдена")
        conn.execute(update(waitlist_entries).where(waitlist_entries.c.id == entry_id)
                     .values(status="cancelled", updated_at=utcnow()))


# --- offers (called by the event consumer) -----------------------------------------------------

def _candidates(conn, organization_id: str, doctor_id: str, service_ids: list[str] | None,
                local_day: date) -> list[dict]:
    w = waitlist_entries.c
    query = select(waitlist_entries).where(
        w.organization_id == organization_id, w.status == "waiting",
        w.date_from <= local_day, w.date_to >= local_day,
        (w.doctor_id.is_(None)) | (w.doctor_id == doctor_id))
    if service_ids:
        query = query.where(w.service_id.in_(service_ids))
    return [dict(r) for r in conn.execute(query.order_by(w.created_at).limit(50)).mappings()]


def offer_released_slot(deps: Deps, event_id: str, data: dict) -> None:
    """``slot.released``: offer that slot to the oldest matching waiting entry."""
    start = parse_instant(data["start"])
    with deps.engine.connect() as conn:
        context_tz = _timezone(deps, data["doctor_id"], data.get("service_ids") or [])
        local_day = start.astimezone(rules.zone(context_tz)).date()
        candidates = _candidates(conn, data["organization_id"], data["doctor_id"],
                                 data.get("service_ids") or [], local_day)
    slot = {"id": str(data["slot_id"]), "start": data["start"], "end": data["end"]}
    _offer_first(deps, event_id, candidates, data["doctor_id"], slot)


def offer_opened_day(deps: Deps, event_id: str, data: dict) -> None:
    """``slots.opened``: a new day opened; offer each waiting entry a free slot of that day."""
    day = date.fromisoformat(data["date"])
    with deps.engine.connect() as conn:
        candidates = _candidates(conn, data["organization_id"], data["doctor_id"], None, day)
    taken: set[str] = set()
    for entry in candidates:
        free = [s for s in deps.schedule.day_slots(data["doctor_id"], entry["service_id"],
                                                   day.isoformat())
                if s.get("bookable") and str(s["id"]) not in taken]
        if not free:
            continue
        slot = {"id": str(free[0]["id"]), "start": free[0]["start"], "end": free[0]["end"]}
        if _offer_first(deps, event_id, [entry], data["doctor_id"], slot):
            taken.add(slot["id"])


def _timezone(deps: Deps, doctor_id: str, service_ids: list[str]) -> str | None:
    for service_id in service_ids[:1]:
        context = deps.catalog.doctor_context(doctor_id, service_id)
        if context:
            return context["organization"].get("timezone")
    return None


def _offer_first(deps: Deps, event_id: str, candidates: list[dict], doctor_id: str,
                 slot: dict) -> bool:
    for entry in candidates:
        context = deps.catalog.doctor_context(doctor_id, entry["service_id"])
        if context is None:
            continue  # this doctor does not provide the entry's service
        with deps.engine.connect() as conn, conn.begin() as tx:
            # Per (event, slot): a redelivered event never offers the same slot twice.
            if not store.mark_event_processed(conn, f"{event_id}/{slot['id']}", "waitlist.offer"):
                return True
            changed = conn.execute(update(waitlist_entries).where(
                waitlist_entries.c.id == entry["id"], waitlist_entries.c.status == "waiting")
                .values(status="offered", offered_slot_id=slot["id"], offered_at=utcnow(),
                        updated_at=utcnow())).rowcount
            if not changed:  # taken by a concurrent handler or cancelled meanwhile
                tx.rollback()
                continue
            link = (deps.settings.public_url.rstrip("/") + f"/book/slot/{slot['id']}"
                    f"?service_id={entry['service_id']}")
            doctor = context["doctor"]
            add_event(conn, outbox, "waitlist.offered", {
                "entry_id": entry["id"], "patient_id": entry["patient_id"],
                "contact": entry["snapshot"].get("contact") or {},
                "organization": {**{k: context["organization"].get(k)
                                    for k in ("id", "name", "address")},
                                 "type": context["organization"].get("type_name")},
                "service": {k: context["service"].get(k) for k in ("id", "name", "paid")},
                "slot": {**slot, "doctor": {"id": doctor["id"], "full_name": doctor.get("full_name"),
                                            "specialty": doctor.get("specialty"),
                                            "room": doctor.get("room")}},
                "link": link, "cause_event_id": event_id})
        return True
    return False

