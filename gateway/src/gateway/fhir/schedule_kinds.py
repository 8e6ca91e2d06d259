"""Schedule, Slot and Appointment: read and search.

A Schedule is a doctor's day grid for one service (what /v1/doctors/{id}/days shows); its Slots
are that grid's times; Appointments are the caller's own, read with the caller's token.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import data, mapping, params
from .ids import split_id
from .kinds import (ID_PARAM, Context, Kind, SearchParam, by_ids, date_param, match_code,
                    reference_param, scope_ids)
from .outcome import FhirError
from .params import Query

HL7 = "http://hl7.org/fhir/SearchParameter/"
MAX_SLOT_DAYS = 92  # the schedule service's longest day range
ACTOR_TYPES = ("Practitioner", "PractitionerRole", "HealthcareService", "Location")


# --- Schedule -------------------------------------------------------------------------------

def _schedules_of(org_id: str) -> list[dict]:
    services = data.services(org_id)
    by_id = {s["id"]: s for s in services}
    return [mapping.schedule({"id": org_id}, doctor, by_id[sid])
            for doctor, sids in data.org_doctors(org_id, services).values() for sid in sids]


def read_schedule(fhir_id: str, _ctx: Context) -> dict | None:
    parts = split_id("Schedule", fhir_id)
    if parts is None:
        return None
    org_id, doctor_id, service_id = parts
    service = next((s for s in data.services(org_id) if s["id"] == service_id), None)
    doctor = next((d for d in data.doctors(org_id, service_id) if d["id"] == doctor_id),
                  None) if service else None
    return mapping.schedule({"id": org_id}, doctor, service) if doctor else None


def schedule_candidates(query: Query, ctx: Context) -> list[dict]:
    orgs = list(dict.fromkeys(key[1] for key in scope_ids(query, "actor", ACTOR_TYPES)))
    if not orgs and not query.get("_id"):
        raise params.too_costly("Укажите actor (врача, услугу или место) или _id расписания")
    if not orgs:
        return by_ids(read_schedule, query, ctx)
    return [s for org_id in orgs for s in _schedules_of(org_id)]


SCHEDULE = Kind(read_schedule, schedule_candidates, {
    "_id": ID_PARAM,
    "actor": reference_param("actor", "Врач, роль врача, услуга или место приёма",
                             lambda r: r["actor"], ACTOR_TYPES, HL7 + "Schedule-actor"),
    "service-type": SearchParam("token", "Код услуги",
                                match_code(lambda r: r.get("serviceType", [])),
                                definition=HL7 + "Schedule-service-type"),
})


# --- Slot -----------------------------------------------------------------------------------

def zone_of(org: dict, ctx: Context):
    try:
        return ZoneInfo(org.get("timezone") or "")
    except (ZoneInfoNotFoundError, ValueError):
        return ctx.zone


def read_slot(fhir_id: str, _ctx: Context) -> dict | None:
    parts = split_id("Slot", fhir_id)
    if parts is None:
        return None
    org_id, doctor_id, service_id, day, _slot = parts
    try:
        day_iso = datetime.strptime(day, "%Y%m%d").date().isoformat()
    except ValueError:
        return None
    for item in data.slots(doctor_id, service_id, day_iso):
        resource = mapping.slot(org_id, doctor_id, service_id, item)
        if resource["id"] == fhir_id:
            return resource
    return None


def local_days(low: datetime, high: datetime, zone) -> tuple[date, date]:
    """The first and last local day of the period [low, high)."""
    return low.astimezone(zone).date(), (high - timedelta(microseconds=1)).astimezone(zone).date()


def _slot_window(query: Query, ctx: Context, zone) -> tuple[date, date]:
    filters = [params.date_filter("start", value, zone) for _m, value in query.get("start")]
    today = ctx.now.astimezone(zone).date()
    low, high = params.date_window(filters, datetime.combine(today, datetime.min.time(), zone),
                                   ctx.grid_days)
    first, last = local_days(low, high, zone)
    if (last - first).days + 1 > MAX_SLOT_DAYS:
        raise params.too_costly(f"Период поиска слотов не длиннее {MAX_SLOT_DAYS} дней")
    return first, last


def _only_free(query: Query) -> bool:
    wanted = [params.split_values(v) for _m, v in query.get("status")]
    return bool(wanted) and all(values == ["free"] for values in wanted)


def collect_slots(schedule_key: tuple, first: date, last: date, *, only_free: bool,
                  limit: int | None = None) -> list[dict]:
    """The Slots of a schedule's days ``first``..``last``, day by day; with ``limit``, the days
    are read until that many (free, if ``only_free``) slots are found."""
    org_id, doctor_id, service_id = schedule_key
    found: list = []
    for day in data.days(doctor_id, service_id, first.isoformat(), last.isoformat()):
        if day.get("interval") is None or (only_free and not day.get("free")):
            continue  # a day off, or nothing free when only free slots are asked for
        found += [mapping.slot(org_id, doctor_id, service_id, item)
                  for item in data.slots(doctor_id, service_id, day["date"])
                  if item.get("bookable") or not only_free]
        if limit is not None and len(found) >= limit:
            break
    return found


def _slots_of(schedule_key: tuple, query: Query, ctx: Context) -> list[dict]:
    org = data.organization(schedule_key[0])
    if org is None:
        return []
    first, last = _slot_window(query, ctx, zone_of(org, ctx))
    return collect_slots(schedule_key, first, last, only_free=_only_free(query)) \
        if first <= last else []


def slot_candidates(query: Query, ctx: Context) -> list[dict]:
    schedules = [key[1:] for key in scope_ids(query, "schedule", ("Schedule",))]
    if not schedules and not query.get("_id"):
        raise params.too_costly("Укажите расписание (schedule) или _id слота")
    if not schedules:
        return by_ids(read_slot, query, ctx)
    found = [s for key in schedules for s in _slots_of(key, query, ctx)]
    return sorted(found, key=lambda s: datetime.fromisoformat(s["start"]))


SLOT = Kind(read_slot, slot_candidates, {
    "_id": ID_PARAM,
    "schedule": reference_param("schedule", "Расписание (обязательно без _id)",
                                lambda r: [r["schedule"]], ("Schedule",), HL7 + "Slot-schedule"),
    "start": date_param("start", "Начало слота: ge/gt/le/lt/eq/ne и дата или дата-время "
                        "(по умолчанию — 14 дней с сегодняшнего)", lambda r: r["start"],
                        HL7 + "Slot-start"),
    "status": SearchParam("token", "free или busy", lambda r, _m, v: r["status"] == v,
                          definition=HL7 + "Slot-status"),
    "service-type": SearchParam("token", "Код услуги",
                                match_code(lambda r: r.get("serviceType", [])),
                                definition=HL7 + "Slot-service-type"),
})


# --- Appointment ----------------------------------------------------------------------------

def _token(ctx: Context) -> str:
    if not ctx.token:
        raise FhirError(401, "Войдите: нужен заголовок Authorization: Bearer <токен>",
                        headers={"WWW-Authenticate": "Bearer"})
    return ctx.token


def read_appointment(fhir_id: str, ctx: Context) -> dict | None:
    parts = split_id("Appointment", fhir_id)
    token = _token(ctx)
    found = data.appointment(token, parts[0]) if parts else None
    return mapping.appointment(found) if found else None


def appointment_candidates(query: Query, ctx: Context) -> list[dict]:
    token = _token(ctx)
    patients = [key[1] for key in scope_ids(query, "patient", ("Patient",))]
    # The booking service answers with the caller's own appointments whatever is asked; a staff
    # token lists the one patient named.
    items = data.appointments(token, patients[0] if len(patients) == 1 else None)
    return sorted((mapping.appointment(a) for a in items),
                  key=lambda a: datetime.fromisoformat(a["start"]))


def _participants(resource: dict) -> list[dict]:
    return [p["actor"] for p in resource["participant"]]


APPOINTMENT = Kind(read_appointment, appointment_candidates, {
    "_id": ID_PARAM,
    "patient": reference_param("patient", "Пациент (только вы сами)", _participants,
                               ("Patient",), HL7 + "Appointment-patient"),
    "practitioner": reference_param("practitioner", "Врач", _participants, ("Practitioner",),
                                    HL7 + "Appointment-practitioner"),
    "status": SearchParam("token", "booked, cancelled, fulfilled, noshow",
                          lambda r, _m, v: r["status"] == v,
                          definition=HL7 + "Appointment-status"),
    "date": date_param("date", "Время приёма: ge/gt/le/lt/eq/ne и дата или дата-время",
                       lambda r: r["start"], HL7 + "Appointment-date"),
}, needs_token=True)
