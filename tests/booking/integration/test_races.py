"""Concurrency: the rules hold under parallel requests, on PostgreSQL and on SQLite."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from booking.adapters.tables import appointments

pytestmark = pytest.mark.integration


def parallel(n, fn, workers=32):
    with ThreadPoolExecutor(max_workers=min(n, workers)) as pool:
        return list(pool.map(fn, range(n)))


def count(world, **where):
    query = select(func.count()).select_from(appointments)
    for name, value in where.items():
        query = query.where(getattr(appointments.c, name) == value)
    with world.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_two_hundred_patients_racing_for_one_slot_yield_exactly_one_booking(world):
    slot = world.slot()
    patients = [world.auth.add_patient() for _ in range(200)]
    responses = parallel(200, lambda i: world.book(patients[i], slot))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1
    assert set(statuses) == {201, 409}
    assert count(world, status="booked") == 1
    winner = next(r.json for r in responses if r.status_code == 201)
    assert world.schedule.slots[slot]["appointment_id"] == winner["id"]


def test_one_patient_racing_for_twenty_slots_of_one_specialty_books_at_most_one(any_world):
    world = any_world
    patient = world.auth.add_patient()
    slots = [world.slot("doc-1" if i % 2 else "doc-2", minute=15 * i) for i in range(20)]
    responses = parallel(20, lambda i: world.book(patient, slots[i]))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1, codes
    assert {r.json["error"]["code"] for r in responses if r.status_code != 201} == {"duplicate_specialty"}
    assert count(world, patient_id=patient, status="booked") == 1
    taken = [s for s in slots if world.schedule.slots[s]["status"] == "taken"]
    assert len(taken) == 1


def test_ten_concurrent_requests_with_one_key_make_one_appointment(any_world):
    world = any_world
    patient = world.auth.add_patient()
    slot = world.slot()
    key = str(uuid.uuid4())
    responses = parallel(10, lambda i: world.book(patient, slot, key=key))
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.data for r in responses}) == 1, "every retry replays the identical body"
    assert count(world, patient_id=patient) == 1
    again = world.book(patient, slot, key=key)
    assert again.status_code == 201 and again.data == responses[0].data
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = world.book(patient, world.slot(minute=15), key=key)
    assert other.status_code == 422
    assert other.json["error"]["code"] == "idempotency_key_reused"


def test_an_error_answer_is_replayed_too(any_world):
    world = any_world
    patient = world.auth.add_patient(attached=False)
    slot = world.slot()
    key = str(uuid.uuid4())
    first = world.book(patient, slot, key=key)
    assert first.status_code == 403
    world.auth.patients[patient]["attachments"] = [{"organization_id": "o-1", "area": "1"}]
    assert world.book(patient, slot, key=key).data == first.data
    assert world.book(patient, slot).status_code == 201


def test_keys_are_per_caller(any_world):
    world = any_world
    key = str(uuid.uuid4())
    one, two = world.auth.add_patient(), world.auth.add_patient()
    assert world.book(one, world.slot(), key=key).status_code == 201
    assert world.book(two, world.slot(minute=15), key=key).status_code == 201


def test_concurrent_reschedules_of_one_appointment_exactly_one_wins(any_world):
    world = any_world
    patient = world.auth.add_patient()
    original = world.slot()
    booked = world.book(patient, original).json
    targets = [world.slot(minute=30), world.slot("doc-2", minute=45)]
    world.schedule.move_delay = 0.2

    def move(i):
        return world.client().post(f"/v1/appointments/{booked['id']}/reschedule",
                                   json={"slot_id": targets[i]}, headers=world.headers(patient))

    responses = parallel(2, move)
    codes = sorted(r.status_code for r in responses)
    if world.engine.dialect.name == "postgresql":
        assert codes == [200, 409], [r.json for r in responses]
        loser = next(r.json for r in responses if r.status_code == 409)
        assert loser["error"]["code"] in ("appointment_changed", "slot_unavailable")
    else:
        # SQLite serialises whole requests (BEGIN IMMEDIATE): the second one may run after the
        # first committed and then legitimately moves the already moved appointment.
        assert codes[0] == 200 and set(codes) <= {200, 409}
    with world.engine.connect() as conn:
        slot_id = conn.execute(select(appointments.c.slot_id)).scalar_one()
    held = [s for s, v in world.schedule.slots.items() if v["appointment_id"] == booked["id"]]
    assert held == [slot_id], "the appointment holds exactly the slot it records"
    assert world.schedule.slots[original]["status"] == "free"
    current = world.client().get(f"/v1/appointments/{booked['id']}", headers=world.headers(patient)).json
    assert current["doctor"]["id"] == world.schedule.slots[slot_id]["doctor_id"]
