"""Rescheduling: atomic, same specialty, never touching the appointment on failure."""
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from regcommon.clientaddr import vouched_headers

from booking.adapters.tables import audit_log, outbox

pytestmark = pytest.mark.integration


def reschedule(world, appointment_id, slot_id, sub, *, role="patient", key="auto"):
    return world.client().post(f"/v1/appointments/{appointment_id}/reschedule",
                               json={"slot_id": slot_id}, headers=world.headers(sub, role, key=key))


def booked_appointment(world):
    patient = world.auth.add_patient()
    slot = world.slot()
    return patient, slot, world.book(patient, slot).json


def test_reschedule_moves_the_same_appointment_and_emits_the_previous_time(world):
    patient, old_slot, booked = booked_appointment(world)
    new_slot = world.slot(day=2, minute=60)
    response = reschedule(world, booked["id"], new_slot, patient)
    assert response.status_code == 200, response.json
    moved = response.json
    assert moved["id"] == booked["id"] and moved["ticket"] == booked["ticket"]
    assert moved["start"] == "2026-12-03T09:00:00+05:00"
    assert world.schedule.slots[old_slot]["status"] == "free"
    assert world.schedule.slots[new_slot]["appointment_id"] == booked["id"]
    with world.engine.connect() as conn:
        (payload,) = conn.execute(select(outbox.c.payload)
                                  .where(outbox.c.event_type == "appointment.rescheduled")).scalars()
    data = json.loads(payload)["data"]
    assert data["previous"] == {"start": booked["start"], "end": booked["end"]}
    assert data["appointment"]["start"] == moved["start"]


def staff_booked_appointment(world, service_id="svc-ther", doctor_id="doc-1"):
    """An appointment the reception made (channel reception) for a patient."""
    patient = world.auth.add_patient()
    slot = world.slot(doctor_id, service_ids=[service_id])
    booked = world.book(patient, slot, service_id, role="registrar", sub="staff-1")
    assert booked.status_code == 201 and booked.json["channel"] == "reception"
    return patient, slot, booked.json


def test_a_patient_cannot_move_a_reception_appointment_into_a_reception_only_slot(world):
    patient, old_slot, booked = staff_booked_appointment(world)
    reception_only = world.slot(minute=30, channel="reception")
    response = reschedule(world, booked["id"], reception_only, patient)
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "slot_unavailable"
    assert world.schedule.slots[old_slot]["appointment_id"] == booked["id"]
    assert world.schedule.slots[reception_only]["status"] == "free"
    # The same move by the reception is allowed: the caller's channel decides.
    assert reschedule(world, booked["id"], reception_only, "staff-1",
                      role="registrar").status_code == 200


def test_a_patient_who_is_no_longer_attached_cannot_move_an_attachment_only_visit(world):
    patient, old_slot, booked = booked_appointment(world)
    world.auth.patients[patient]["attachments"] = [{"organization_id": "o-2", "area": "7"}]
    response = reschedule(world, booked["id"], world.slot("doc-2", minute=30), patient)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_attached"
    assert world.schedule.slots[old_slot]["appointment_id"] == booked["id"]


def test_a_patient_cannot_move_a_reception_only_service_online(world):
    patient, old_slot, booked = staff_booked_appointment(world, "svc-xray", "doc-3")
    target = world.slot("doc-3", minute=30, service_ids=["svc-xray"])
    response = reschedule(world, booked["id"], target, patient)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_self_bookable"
    assert world.schedule.slots[old_slot]["appointment_id"] == booked["id"]


def test_reschedule_to_another_doctor_of_the_same_specialty_is_allowed(world):
    patient, _, booked = booked_appointment(world)
    response = reschedule(world, booked["id"], world.slot("doc-2", minute=30), patient)
    assert response.status_code == 200
    assert response.json["doctor"] == {"id": "doc-2", "full_name": "Петров Олег Ильич",
                                       "specialty": "Терапия", "room": "102"}


def test_the_moved_appointment_does_not_count_against_its_own_specialty(world):
    patient, _, booked = booked_appointment(world)
    assert reschedule(world, booked["id"], world.slot("doc-2", day=3), patient).status_code == 200
    # ...but another appointment of that specialty is still refused.
    assert world.book(patient, world.slot(day=4)).json["error"]["code"] == "duplicate_specialty"


def test_reschedule_to_a_doctor_of_another_specialty_is_refused(world):
    patient, old_slot, booked = booked_appointment(world)
    response = reschedule(world, booked["id"], world.slot("doc-3", service_ids=[]), patient)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "reschedule_not_allowed"
    assert world.schedule.slots[old_slot]["appointment_id"] == booked["id"]


def test_reschedule_onto_a_taken_slot_is_a_409_and_changes_nothing(world):
    patient, old_slot, booked = booked_appointment(world)
    taken = world.slot(minute=15)
    assert world.book(world.auth.add_patient(), taken).status_code == 201
    response = reschedule(world, booked["id"], taken, patient)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"
    after = world.client().get(f"/v1/appointments/{booked['id']}", headers=world.headers(patient)).json
    assert after == booked
    assert world.schedule.slots[old_slot]["appointment_id"] == booked["id"]


def test_a_move_refused_by_schedule_leaves_the_appointment_untouched(world):
    patient, old_slot, booked = booked_appointment(world)
    target = world.slot(minute=45)
    stale = world.schedule.get_slot
    world.schedule.get_slot = lambda sid: {**stale(sid), "status": "free"}
    world.schedule.slots[target].update(status="taken", appointment_id="other")
    response = reschedule(world, booked["id"], target, patient)
    assert response.status_code == 409
    after = world.client().get(f"/v1/appointments/{booked['id']}", headers=world.headers(patient)).json
    assert after == booked


def test_reschedule_needs_an_idempotency_key_and_replays_the_answer(world):
    patient, _, booked = booked_appointment(world)
    target = world.slot(minute=30)
    assert reschedule(world, booked["id"], target, patient, key=None).status_code == 400
    key = str(uuid.uuid4())
    first = reschedule(world, booked["id"], target, patient, key=key)
    second = reschedule(world, booked["id"], target, patient, key=key)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    other = reschedule(world, booked["id"], world.slot(minute=60), patient, key=key)
    assert other.json["error"]["code"] == "idempotency_key_reused"


def test_reschedule_of_someone_elses_appointment_is_a_404(world):
    _, _, booked = booked_appointment(world)
    response = reschedule(world, booked["id"], world.slot(minute=30), world.auth.add_patient())
    assert response.status_code == 404


def test_reschedule_after_the_start_is_refused(world):
    patient, _, booked = booked_appointment(world)
    world.clock.now += timedelta(days=1, minutes=5)
    response = reschedule(world, booked["id"], world.slot(day=3), patient)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "reschedule_too_late"


def test_reschedule_of_a_cancelled_appointment_is_refused(world):
    patient, _, booked = booked_appointment(world)
    world.client().post(f"/v1/appointments/{booked['id']}/cancel", headers=world.headers(patient))
    response = reschedule(world, booked["id"], world.slot(minute=30), patient)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "appointment_not_active"


def test_staff_reschedule_and_cancel_are_audited(world):
    patient, _, booked = booked_appointment(world)
    staff = str(uuid.uuid4())
    assert reschedule(world, booked["id"], world.slot(minute=30), staff, role="registrar").status_code == 200
    cancel = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                 headers={**world.headers(staff, "registrar"), "User-Agent": "desk/1",
                                          **vouched_headers(world.settings.internal_token,
                                                            "10.0.0.7")})
    assert cancel.status_code == 200
    with world.engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.created_at)).mappings().all()
    assert [(r["action"], r["actor_role"]) for r in rows] == [
        ("appointment.reschedule", "registrar"), ("appointment.cancel", "registrar")]
    assert rows[1]["ip"] == "10.0.0.7" and rows[1]["user_agent"] == "desk/1"


def test_a_retry_after_a_move_whose_answer_was_lost_finishes_the_reschedule(any_world):
    world = any_world
    patient, old_slot, booked = booked_appointment(world)
    target = world.slot(day=2, minute=60)
    key = str(uuid.uuid4())
    world.schedule.move_lands_then_times_out = True
    assert reschedule(world, booked["id"], target, patient, key=key).status_code == 503
    world.schedule.move_lands_then_times_out = False
    # Schedule moved the slot; booking rolled back. The client retries with the same key.
    retry = reschedule(world, booked["id"], target, patient, key=key)
    assert retry.status_code == 200, retry.json
    assert retry.json["start"] == "2026-12-03T09:00:00+05:00"
    assert world.schedule.slots[target]["appointment_id"] == booked["id"]
    assert world.schedule.slots[old_slot]["status"] == "free"


def test_a_move_whose_answer_was_lost_is_adopted_by_the_reconciler_without_a_retry(any_world):
    from booking.reconciler import Reconciler

    world = any_world
    patient, old_slot, booked = booked_appointment(world)
    reconciler = Reconciler(world.deps, settle_after=0)
    assert reconciler.run_once()["mismatch"] == 0  # the booking itself has been checked
    target = world.slot("doc-2", day=2, minute=60)
    world.schedule.move_lands_then_times_out = True
    assert reschedule(world, booked["id"], target, patient).status_code == 503
    world.schedule.move_lands_then_times_out = False
    assert reconciler.run_once()["mismatch"] == 1
    after = world.client().get(f"/v1/appointments/{booked['id']}", headers=world.headers(patient))
    assert after.json["start"] == "2026-12-03T09:00:00+05:00"
    assert after.json["doctor"]["id"] == "doc-2"
    with world.engine.connect() as conn:
        (payload,) = conn.execute(select(outbox.c.payload)
                                  .where(outbox.c.event_type == "appointment.rescheduled")).scalars()
    assert json.loads(payload)["data"]["previous"] == {"start": booked["start"], "end": booked["end"]}
    # Cancelling now frees the slot the appointment really holds.
    cancel = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                 headers=world.headers(patient))
    assert cancel.status_code == 200, cancel.json
    assert world.schedule.slots[target]["status"] == "free"


def test_a_cancel_right_after_a_move_whose_answer_was_lost_frees_the_slot_really_held(world):
    patient, old_slot, booked = booked_appointment(world)
    target = world.slot(day=2, minute=60)
    world.schedule.move_lands_then_times_out = True
    assert reschedule(world, booked["id"], target, patient).status_code == 503
    world.schedule.move_lands_then_times_out = False
    cancel = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                 headers=world.headers(patient))
    assert cancel.status_code == 200, cancel.json
    assert world.schedule.slots[target]["status"] == "free", "a cancelled appointment holds a slot"
    assert world.schedule.slots[old_slot]["status"] == "free"
