"""Waiting list endpoints and the consumed schedule events (idempotent handlers)."""
import json
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from booking import consumer
from booking.adapters.tables import outbox

pytestmark = pytest.mark.integration

ENTRY = {"organization_id": "o-1", "service_id": "svc-ther", "from": "2026-12-01",
         "to": "2026-12-10"}


def events(world, event_type):
    with world.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.payload).where(outbox.c.event_type == event_type)
                            .order_by(outbox.c.created_at))
        return [json.loads(r.payload)["data"] for r in rows]


def join(world, patient, **changes):
    return world.client().post("/v1/waitlist", json={**ENTRY, **changes},
                               headers=world.headers(patient, key=None))


def released(world, slot_id, event_id=None):
    slot = world.schedule.get_slot(slot_id)
    return {"id": event_id or str(uuid.uuid4()), "type": "slot.released",
            "occurred_at": "2026-12-01T03:00:00+00:00",
            "data": {"slot_id": slot_id, "doctor_id": slot["doctor_id"], "organization_id": "o-1",
                     "service_ids": slot["service_ids"], "start": slot["start"], "end": slot["end"]}}


def test_a_patient_joins_lists_and_leaves_the_waiting_list(world):
    patient = world.auth.add_patient()
    created = join(world, patient)
    assert created.status_code == 201
    assert created.json["status"] == "waiting" and created.json["id"]
    client = world.client()
    items = client.get("/v1/waitlist", headers=world.headers(patient, key=None)).json["items"]
    assert [i["id"] for i in items] == [created.json["id"]]
    other = world.auth.add_patient()
    assert client.delete(f"/v1/waitlist/{created.json['id']}",
                         headers=world.headers(other, key=None)).status_code == 404
    assert client.delete(f"/v1/waitlist/{created.json['id']}",
                         headers=world.headers(patient, key=None)).status_code == 204
    assert client.get("/v1/waitlist", headers=world.headers(patient, key=None)).json["items"] == []


def test_a_patient_has_at_most_ten_active_waiting_list_entries(world):
    assert world.settings.waitlist_max_active_per_patient == 10
    patient = world.auth.add_patient()
    entries = [join(world, patient, **{"from": f"2026-12-{day:02d}"}) for day in range(1, 11)]
    assert [e.status_code for e in entries] == [201] * 10
    refused = join(world, patient)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "waitlist_limit_reached"
    assert "10" in refused.json["error"]["message"]
    # Staff adding one for the patient meet the same cap; another patient is not affected.
    staff = world.client().post("/v1/waitlist", json={**ENTRY, "patient_id": patient},
                                headers=world.headers("staff-1", "registrar", key=None))
    assert staff.status_code == 422 and staff.json["error"]["code"] == "waitlist_limit_reached"
    assert join(world, world.auth.add_patient()).status_code == 201
    # A cancelled entry frees its place.
    assert world.client().delete(f"/v1/waitlist/{entries[0].json['id']}",
                                 headers=world.headers(patient, key=None)).status_code == 204
    assert join(world, patient).status_code == 201


@pytest.mark.parametrize("changes, field", [
    ({"from": "2026-13-01"}, "from"), ({"to": "2026-11-01", "from": "2026-11-05"}, "to"),
    ({"service_id": "svc-none"}, "service_id"), ({"organization_id": "o-9"}, "organization_id"),
    ({"organization_id": None}, "organization_id")])
def test_waiting_list_entries_are_validated(world, changes, field):
    response = join(world, world.auth.add_patient(), **changes)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_a_released_slot_is_offered_to_the_oldest_matching_entry_once(world):
    first, second = world.auth.add_patient(), world.auth.add_patient()
    first_entry = join(world, first).json
    join(world, second)
    slot = world.slot()
    event = released(world, slot)
    consumer.handle(world.deps, event)
    consumer.handle(world.deps, event)  # a redelivery
    (offer,) = events(world, "waitlist.offered")
    assert offer["entry_id"] == first_entry["id"] and offer["patient_id"] == first
    # The link names the service too, so the gateway opens the right day page.
    assert offer["link"] == f"http://127.0.0.1:8000/book/slot/{slot}?service_id={ENTRY['service_id']}"
    assert offer["slot"]["doctor"]["full_name"] == "Иванова Анна Петровна"
    assert offer["contact"]["email"] == "patient@example.org"
    items = world.client().get("/v1/waitlist", headers=world.headers(first, key=None)).json["items"]
    assert items[0]["status"] == "offered" and items[0]["offered_slot_id"] == slot


def test_events_name_the_organization_type_so_tickets_can_hide_a_sensitive_place(world):
    world.catalog.org = {**world.catalog.org, "type_name": "Женские консультации"}
    patient = world.auth.add_patient()
    assert world.book(patient, world.slot()).status_code == 201
    (booked,) = events(world, "appointment.booked")
    assert booked["appointment"]["organization"]["type"] == "Женские консультации"
    join(world, world.auth.add_patient())
    consumer.handle(world.deps, released(world, world.slot(minute=15)))
    (offer,) = events(world, "waitlist.offered")
    assert offer["organization"]["type"] == "Женские консультации"
    # The public answer keeps its api.md shape.
    mine = world.client().get("/v1/appointments", headers=world.headers(patient, key=None))
    assert set(mine.json["items"][0]["organization"]) == {"id", "name", "address"}


def test_entries_for_another_doctor_or_dates_are_not_offered(world):
    join(world, world.auth.add_patient(), doctor_id="doc-2")
    join(world, world.auth.add_patient(), **{"from": "2026-12-05"})
    consumer.handle(world.deps, released(world, world.slot("doc-1")))
    assert events(world, "waitlist.offered") == []


def test_booking_fulfils_the_patients_waiting_entry(world):
    patient = world.auth.add_patient()
    entry = join(world, patient).json
    assert world.book(patient, world.slot()).status_code == 201
    items = world.client().get("/v1/waitlist", headers=world.headers(patient, key=None)).json["items"]
    assert [(i["id"], i["status"]) for i in items] == [(entry["id"], "fulfilled")]


def test_a_newly_opened_day_offers_its_first_free_slot(world):
    patient = world.auth.add_patient()
    join(world, patient)
    taken = world.slot(day=3)
    world.schedule.slots[taken]["status"] = "taken"
    free = world.slot(day=3, minute=15)
    consumer.handle(world.deps, {"id": str(uuid.uuid4()), "type": "slots.opened",
                                 "data": {"doctor_id": "doc-1", "organization_id": "o-1",
                                          "date": "2026-12-04"}})
    (offer,) = events(world, "waitlist.offered")
    assert offer["slot"]["id"] == free


def test_a_blocked_day_flags_its_appointments_once(world):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    event = {"id": str(uuid.uuid4()), "type": "schedule.day_blocked",
             "data": {"doctor_id": "doc-1", "organization_id": "o-1", "date": "2026-12-02",
                      "appointment_ids": [booked["id"], str(uuid.uuid4())],
                      "reason": "Врач на больничном"}}
    consumer.handle(world.deps, event)
    consumer.handle(world.deps, event)
    (flagged,) = events(world, "appointment.flagged")
    assert flagged["appointment"]["id"] == booked["id"]
    assert flagged["reason"] == "Врач на больничном"
    shown = world.client().get(f"/v1/appointments/{booked['id']}", headers=world.headers(patient)).json
    assert shown["flagged"] is True and shown["flag_reason"] == "Врач на больничном"


def test_unknown_events_are_acknowledged_without_effect(world):
    consumer.handle(world.deps, {"id": str(uuid.uuid4()), "type": "something.else", "data": {}})
    assert events(world, "waitlist.offered") == []


def test_waiting_list_dates_are_optional_and_default_to_the_next_two_weeks(world):
    patient = world.auth.add_patient()
    body = {k: v for k, v in ENTRY.items() if k not in ("from", "to")}
    response = world.client().post("/v1/waitlist", json=body, headers=world.headers(patient, key=None))
    assert response.status_code == 201, response.json
    start = date.fromisoformat(response.json["from"])
    assert date.fromisoformat(response.json["to"]) - start == timedelta(days=13)


def test_a_waiting_list_start_at_the_end_of_the_calendar_is_a_422_not_a_500(world):
    patient = world.auth.add_patient()
    response = join(world, patient, **{"from": "9999-12-31", "to": None})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
