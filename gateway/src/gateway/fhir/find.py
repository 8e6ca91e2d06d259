"""``Appointment/$find``: the earliest free times of a doctor or of a service, offered as
proposed Appointments (the Argonaut / IHE ITI Scheduling operation, GET form), found by the
search of «Ближайшее свободное время» (gateway/earliest.py)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from .. import earliest
from . import data, mapping, params
from .kinds import Context, scope_ids
from .params import Query
from .schedule_kinds import MAX_SLOT_DAYS, zone_of

DEFAULT_COUNT = 10
DEFINITION = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find"
PARAMS = {"start": (), "end": (), "practitioner": ("Practitioner",), "visit-type": (),
          "organization": ("Organization",)}
DOCS = {"start": "Начало периода (дата или дата-время; по умолчанию сейчас)",
        "end": "Конец периода (по умолчанию 14 дней от начала)",
        "practitioner": "Врач (Practitioner)",
        "visit-type": "Услуга: код из HealthcareService.type (нужна организация)",
        "organization": "Организация (с visit-type)"}


def _schedule_keys(query: Query) -> list[tuple]:
    """(organization, doctor, service) of every schedule the request is about."""
    wanted = {params.token(v)[1] for _m, value in query.get("visit-type")
              for v in params.split_values(value)}
    keys: list = []
    for _type, org_id, doctor_id in scope_ids(query, "practitioner", ("Practitioner",)):
        doctor = data.org_doctors(org_id).get(doctor_id)
        keys += [(org_id, doctor_id, sid) for sid in (doctor[1] if doctor else [])
                 if not wanted or sid in wanted]
    if not query.get("practitioner"):
        if not wanted:
            raise params.too_costly("Укажите врача (practitioner) или услугу (visit-type) "
                                    "с организацией (organization)")
        orgs = [key[1] for key in scope_ids(query, "organization", ("Organization",))]
        if not orgs:
            raise params.too_costly("Для visit-type укажите организацию (organization)")
        keys += [(org_id, doctor["id"], sid) for org_id in orgs for sid in sorted(wanted)
                 for doctor in data.doctors(org_id, sid)]
    return list(dict.fromkeys(keys))


def _window(query: Query, zone, ctx: Context) -> tuple[datetime, datetime]:
    def bound(name: str):
        given = query.one(name)
        if given is None:
            return None
        if given[1][:2].isalpha():
            raise params.bad_parameter(name, f"{name}: укажите дату или дату-время без префикса")
        found = params.date_filter(name, given[1], zone)
        is_day = "T" not in given[1]
        return found.high if name == "end" and is_day else found.low

    low = bound("start") or ctx.now.astimezone(zone)
    high = bound("end") or low + timedelta(days=ctx.grid_days)
    if (high - low).days + 1 > MAX_SLOT_DAYS:
        raise params.too_costly(f"Период поиска не длиннее {MAX_SLOT_DAYS} дней")
    return low, high


def find(query: Query, ctx: Context) -> list[dict]:
    """The earliest free times of the schedules asked for, from the one search behind the
    public «Ближайшее свободное время» (gateway/earliest.py: schedule's day counters)."""
    for name in ("start", "end"):
        query.one(name)  # each at most once
    wanted = query.offset + query.count  # the pages up to the one asked for
    by_window: dict = {}
    for org_id, doctor_id, service_id in _schedule_keys(query):
        org = data.organization(org_id)
        service = next((s for s in data.services(org_id) if s["id"] == service_id), None)
        doctor = next((d for d in data.doctors(org_id, service_id) if d["id"] == doctor_id), None)
        if not (org and service and doctor):
            continue
        window = _window(query, zone_of(org, ctx), ctx)
        by_window.setdefault(window, {}).setdefault(doctor_id, []).append(
            (org_id, service_id, mapping.schedule(org, doctor, service)))
    offers: list = []
    for (low, high), by_doctor in by_window.items():
        services = {key[1] for keys in by_doctor.values() for key in keys}
        for found in earliest.schedule_slots(services, list(by_doctor), start=low, until=high,
                                             limit=min(wanted, earliest.FIND_LIMIT)):
            item = {"id": found["slot_id"], "start": found["start"], "end": found["end"],
                    "bookable": True}
            offers += [mapping.proposed_appointment(
                mapping.slot(org_id, found["doctor_id"], service_id, item), schedule, (low, high))
                for org_id, service_id, schedule in by_doctor[found["doctor_id"]]]
    offers.sort(key=lambda a: datetime.fromisoformat(a["start"]))
    return offers[:wanted]


def full_url(resource: dict) -> str:
    """A proposed appointment has no id: a stable urn:uuid from its slot names it."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, resource["slot"][0]["reference"]))

